import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RunRepository } from '@patch-factory/store';
import { createCatalogOrigin, dropPrefix, testPrefix } from '@patch-factory/testing';
import { spawnBenchProcess, stopAll, type BenchProcess } from './bench-process';
import { percentile, sleep, table } from './bench-util';

/**
 * `npm run bench:watch` (issue 4): detection latency, from a new tag in a git repository to
 * the pipeline run it causes being enqueued, with a 1 s poll: the watcher service (one job
 * scheduler per target) and a planning worker (libs/patching) as separate processes on the
 * same Redis, in branch mode. Baseline: the same repository watched by a bare loop that runs
 * `git ls-remote --tags` every second and notices the tag (no events, no planning): the
 * floor a 1 s poll sets. Target: under 2 s. Knobs: BENCH_TAGS (8), PF_REDIS_URL.
 */
const TAGS = Number(process.env['BENCH_TAGS'] ?? 8);
const REDIS = process.env['PF_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const DEFINITION = 'image/tool/debian-13/1.yaml';

function definition(version: string): string {
  return [
    'name: Tool 1',
    'image: registry.example.org/tool',
    'variant: runtime',
    'track:',
    '  - type: github_tag',
    '    owner: example',
    '    repo: tool',
    '    set: TOOL_VERSION',
    'vars:',
    `  TOOL_VERSION: ${version}`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const prefix = testPrefix();
  const catalog = createCatalogOrigin({ [DEFINITION]: definition('v1.0.0') });
  const upstream = createCatalogOrigin({ 'README.md': 'tool\n' });
  upstream.git(['tag', 'v1.0.0', upstream.head('main') as string]);
  const dir = mkdtempSync(join(tmpdir(), 'pf-bench-watch-'));
  const config = join(dir, 'watch.json');
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
  const env = { PF_PREFIX: prefix, PF_REDIS_URL: REDIS, PF_LOG_LEVEL: 'warn', PF_TRACES_EXPORTER: 'none' };
  const redis = new Redis(REDIS, { maxRetriesPerRequest: null });
  const runs = new RunRepository(redis, prefix);
  const procs: BenchProcess[] = [];
  try {
    procs.push(
      spawnBenchProcess('patching', 'dist/libs/testing/src/patching-worker-main.js', {
        ...env,
        PF_CATALOG_REMOTE: catalog.dir,
        PF_CATALOG_WORKDIR: join(dir, 'catalog.git'),
        PF_FORGE: 'branch',
      }),
    );
    procs.push(spawnBenchProcess('watcher', 'dist/services/watcher/src/main.js', { ...env, PF_WATCH_CONFIG: config }));
    // The watcher's first poll records v1.0.0, which the catalog has: nothing to plan.
    for (let i = 0; i < 300 && !(await redis.exists(`${prefix}:{store}:watch:git_tags:example/tool:state`)); i++)
      await sleep(100);
    const project: number[] = [];
    for (let i = 1; i <= TAGS; i++) {
      await sleep(Math.random() * 1000); // a tag lands anywhere in the poll period
      const before = (await runs.list({ limit: 1000 })).length;
      const tagged = Date.now();
      upstream.git(['tag', `v1.${i}.0`, upstream.head('main') as string]);
      let created: number | undefined;
      for (let w = 0; w < 300 && created === undefined; w++) {
        const all = await runs.list({ limit: 1000 });
        if (all.length > before) created = Math.min(...all.slice(0, all.length - before).map((r) => r.createdAt));
        else await sleep(20);
      }
      if (created === undefined) throw new Error(`no run for v1.${i}.0 within 6 s`);
      project.push(created - tagged);
      // Let the run finish (branch mode merges it) before the next tag.
      for (let w = 0; w < 300; w++) {
        const all = await runs.list({ limit: 1000 });
        if (all.every((r) => r.state === 'succeeded' || r.state === 'failed')) break;
        await sleep(50);
      }
    }
    const baseline: number[] = [];
    for (let i = 1; i <= TAGS; i++) {
      const tag = `v9.${i}.0`;
      await sleep(Math.random() * 1000);
      const tagged = Date.now();
      upstream.git(['tag', tag, upstream.head('main') as string]);
      let seen: number | undefined;
      // A bare 1 s poll: the tag is seen at the first poll after it lands.
      const phase = tagged % 1000;
      await sleep(1000 - phase);
      for (let w = 0; w < 10 && seen === undefined; w++) {
        if (execFileSync('git', ['ls-remote', '--tags', upstream.dir]).toString().includes(`refs/tags/${tag}`))
          seen = Date.now();
        else await sleep(1000);
      }
      baseline.push((seen ?? Date.now()) - tagged);
    }
    const row = (name: string, v: number[]) => [
      name,
      String(v.length),
      String(percentile(v, 50)),
      String(percentile(v, 99)),
      String(Math.max(...v)),
    ];
    console.log(`watch benchmark: tag -> enqueued run, 1 s poll, ${TAGS} tags, node ${process.version}`);
    console.log(
      table(
        ['side', 'tags', 'p50 ms', 'p99 ms', 'max ms'],
        [row('project (watcher + planner)', project), row('baseline (ls-remote every 1 s)', baseline)],
      ),
    );
    const p99 = percentile(project, 99);
    console.log(
      `ratio p50 project/baseline: ${(percentile(project, 50) / Math.max(1, percentile(baseline, 50))).toFixed(2)}x`,
    );
    console.log(`detection latency p99: ${p99} ms (target < 2000 ms): ${p99 < 2000 ? 'PASS' : 'FAIL'}`);
  } finally {
    await stopAll(procs);
    await dropPrefix(REDIS, prefix).catch(() => undefined);
    redis.disconnect();
    catalog.cleanup();
    upstream.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:watch failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
