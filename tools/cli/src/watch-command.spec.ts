import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatalogOrigin, type CatalogOrigin } from '@patch-factory/testing';
import { runCli } from './cli';

describe('patch-factory watch once', () => {
  let upstream: CatalogOrigin;
  let dir: string;
  const saved = process.env['PF_WATCH_CONFIG'];
  beforeAll(() => {
    upstream = createCatalogOrigin({ 'README.md': 'tool\n' });
    for (const tag of ['v1.0.0', 'v1.2.0', 'v2.0.0']) upstream.git(['tag', tag, upstream.head('main') as string]);
    dir = mkdtempSync(join(tmpdir(), 'pf-cli-watch-'));
    const target = (key: string, match: string) => ({
      key,
      kind: 'git_tags',
      ref: 'example/tool',
      config: { type: 'git_tags', url: upstream.dir, match, set: 'V' },
    });
    writeFileSync(
      join(dir, 'watch.json'),
      JSON.stringify({
        targets: [
          target('git_tags:tool-v1', '^(v1\\.\\d+\\.\\d+)$'),
          target('git_tags:tool-all', '^(v\\d+\\.\\d+\\.\\d+)$'),
        ],
      }),
    );
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ targets: [{ key: 'x y', kind: 'git_tags', ref: 'r', config: {} }] }),
    );
  });
  afterAll(() => {
    if (saved === undefined) delete process.env['PF_WATCH_CONFIG'];
    else process.env['PF_WATCH_CONFIG'] = saved;
    upstream.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, { env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  };

  it('polls the configured sources now and prints the versions found', async () => {
    process.env['PF_WATCH_CONFIG'] = join(dir, 'watch.json');
    const one = await cli('watch', 'once', '--source', 'git_tags:tool-v1');
    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n').sort()).toEqual([
      '2 versions from 1 of 1 sources',
      'git_tags:tool-v1  v1.0.0',
      'git_tags:tool-v1  v1.2.0',
    ]);
    const all = await cli('watch', 'once');
    expect(all.stdout.trim().split('\n').at(-1)).toBe('5 versions from 2 of 2 sources');
    const none = await cli('watch', 'once', '--source', 'nothing');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no-watch-targets');
  });

  it('names the problem in a bad watch list', async () => {
    process.env['PF_WATCH_CONFIG'] = join(dir, 'bad.json');
    const r = await cli('watch', 'once');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error watch-config: PF_WATCH_CONFIG .*bad\.json: targets\.0\.key/);
  });
});
