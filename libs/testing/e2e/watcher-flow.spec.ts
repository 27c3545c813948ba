import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineRun } from '@patch-factory/contracts';
import { BackboneFixture, createCatalogOrigin, waitFor, type ApiClient, type CatalogOrigin } from '../src';

const DEFINITION = 'image/tool/debian-13/1.yaml';
const TEXT = [
  'name: Tool 1',
  'image: registry.example.org/tool',
  'variant: runtime',
  'track:',
  '  - type: github_tag',
  '    owner: example',
  '    repo: tool',
  '    match: ^(v1\\.\\d+\\.\\d+)$',
  '    set: TOOL_VERSION',
  'vars:',
  '  TOOL_VERSION: v1.0.0',
  'contents:',
  '  files:',
  '    - url: https://github.com/example/tool/releases/download/v1.0.0/tool.tar.gz',
  '      path: /opt/tool.tar.gz',
  '',
].join('\n');

/**
 * The watcher end to end: a git repository gets a new tag; the watcher process, polling every
 * second, records one event; the orchestrator plans it against the catalog (the definition's
 * `track:` entry names the repository and the variable) and, in branch mode, the change lands
 * on the catalog's default branch. Detection latency is measured by `npm run bench:watch`.
 */
describe('the watcher turns a new upstream tag into a patched definition', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let catalog: CatalogOrigin;
  let upstream: CatalogOrigin;
  let api: ApiClient;

  beforeAll(async () => {
    catalog = createCatalogOrigin({ [DEFINITION]: TEXT });
    upstream = createCatalogOrigin({ 'README.md': 'tool\n' });
    upstream.git(['tag', 'v1.0.0', upstream.head('main') as string]);
    upstream.git(['tag', 'v0.9.0', upstream.head('main') as string]);
    const config = join(mkdtempSync(join(tmpdir(), 'pf-watch-')), 'watch.json');
    writeFileSync(
      config,
      JSON.stringify({
        targets: [
          {
            key: 'git_tags:example/tool',
            kind: 'git_tags',
            ref: 'example/tool',
            intervalMs: 1000,
            config: { type: 'git_tags', url: upstream.dir, match: '^(v1\\.\\d+\\.\\d+)$', set: 'TOOL_VERSION' },
          },
        ],
      }),
    );
    api = await fx.startApi();
    await fx.startService('dist/libs/testing/src/patching-worker-main.js', {
      PF_CATALOG_REMOTE: catalog.dir,
      PF_CATALOG_WORKDIR: join(mkdtempSync(join(tmpdir(), 'pf-e2e-ws-')), 'catalog.git'),
      PF_FORGE: 'branch',
    });
    await fx.startService('dist/services/watcher/src/main.js', { PF_WATCH_CONFIG: config });
  }, 120_000);
  afterAll(async () => {
    await fx.close();
    catalog?.cleanup();
    upstream?.cleanup();
  }, 60_000);

  const runs = async () => (await api.request<{ runs: PipelineRun[] }>('GET', '/runs?limit=100')).body.runs;

  it('plans nothing for the version the catalog has, then patches the new tag once', async () => {
    // The first poll sees v1.0.0, which the definition has: an event, but nothing to plan.
    await waitFor(
      'the first poll',
      async () =>
        (await fx.redis.exists(`${fx.prefix}:{store}:watch:git_tags:example/tool:state`)) ? true : undefined,
      30_000,
      100,
    );
    expect(await runs()).toEqual([]);

    upstream.git(['tag', 'v1.1.0', upstream.head('main') as string]);
    upstream.git(['tag', 'v2.0.0', upstream.head('main') as string]); // not on the v1 line the target matches
    const done = await waitFor(
      'one run for v1.1.0 to succeed',
      async () => {
        const all = await runs();
        return all.length === 1 && all[0]?.state === 'succeeded' ? all : undefined;
      },
      60_000,
      100,
    );
    expect(done[0]?.trigger.kind).toBe('upstream');
    const text = catalog.show('main', DEFINITION) as string;
    expect(text).toContain('TOOL_VERSION: v1.1.0');
    expect(text).toContain('/releases/download/v1.1.0/tool.tar.gz');

    // Later polls see v1.1.0 again: still one run.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await runs()).toHaveLength(1);
  }, 120_000);
});
