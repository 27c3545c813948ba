import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Redis } from 'ioredis';
import { QueueName, type OsvAdvisory, type PipelineRun } from '@patch-factory/contracts';
import {
  advisoryEvents,
  CatalogIndex,
  definitionDeps,
  patchDefinition,
  planPatchRequests,
  type DefinitionDeps,
} from '@patch-factory/definitions';
import {
  BackboneFixture,
  createCatalogOrigin,
  startGithubDouble,
  startRedisServer,
  waitFor,
} from '@patch-factory/testing';
import { percentile, table } from './bench-util';
import { readJobTimes } from './bench-redis';
import { corpusPath } from './corpus-path';
import { fanoutAdvisory, fanoutCatalog } from './fanout-catalog';

/**
 * `npm run bench:fanout` (issue 12): catalog-wide fan-out. One critical advisory on the C
 * library (libc6 and musl), which every definition of the real catalog pins (see
 * fanout-catalog.ts), posted to the API; timed from the POST to the moment every image stream
 * has its pull request open on the GitHub double.
 *
 * Project side: a dedicated redis-server, the api service, and BENCH_WORKERS patching workers
 * (libs/testing patching-worker-main: the real plan, patch and review executors and planner on a
 * real git origin; the stages between patch and review — build … publish — are the test
 * CountingExecutor, since 2,586 image builds are not what this measures). GitHub's secondary
 * write limit is lifted (PF_GITHUB_WRITES_PER_MINUTE) as a GitHub Enterprise Server can; the
 * time the 80-per-minute limit of github.com would impose is printed beside it.
 * Baseline: the same plan (index, events, patch requests, every file patched) in one process,
 * no queues, no git, no GitHub.
 * Knobs: BENCH_WORKERS (2), BENCH_CONCURRENCY (8), BENCH_TIMEOUT_MS (600000), BENCH_LIMIT (all files).
 */
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 2);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const TIMEOUT_MS = Number(process.env['BENCH_TIMEOUT_MS'] ?? 600_000);
const LIMIT = Number(process.env['BENCH_LIMIT'] ?? Infinity);
const TOKEN = 'ghp_fanout_bench_0123456789';

interface Baseline {
  ms: number;
  streams: Set<string>;
  files: number;
}

/** The whole plan in one process: what the factory must at least compute. */
function baseline(files: Record<string, string>, osv: OsvAdvisory): Baseline {
  const t0 = process.hrtime.bigint();
  const deps = new Map<string, DefinitionDeps>(Object.entries(files).map(([f, t]) => [f, definitionDeps(f, parse(t))]));
  const index = CatalogIndex.build(deps.values());
  const streams = new Set<string>();
  let patched = 0;
  for (const event of advisoryEvents(osv, Date.now()).events) {
    for (const request of planPatchRequests(index, (f) => deps.get(f), event).requests) {
      streams.add(request.stream);
      for (const f of request.files) {
        patchDefinition(files[f.file] as string, f.changes, f.file);
        patched++;
      }
    }
  }
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, streams, files: patched };
}

/**
 * A branch's head read from the bare repository's files (loose ref, then packed-refs): the same
 * answer as `git rev-parse`, without a git process per GitHub request blocking the double.
 */
function branchHead(dir: string, branch: string): string | undefined {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes('..')) return undefined;
  try {
    return readFileSync(join(dir, 'refs', 'heads', branch), 'utf8').trim();
  } catch {
    const packed = existsSync(join(dir, 'packed-refs')) ? readFileSync(join(dir, 'packed-refs'), 'utf8') : '';
    return new RegExp(`^([0-9a-f]{40}) refs/heads/${branch.replace(/[.]/g, '\\.')}$`, 'm').exec(packed)?.[1];
  }
}

async function redisMemory(url: string): Promise<{ used: number; peak: number }> {
  const c = new Redis(url, { maxRetriesPerRequest: 3 });
  const info = await c.info('memory');
  c.disconnect();
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
  return { used: field('used_memory'), peak: field('used_memory_peak') };
}

/** Where the time went: per stage, the wait in its queue and its run time (p50/p99 over the runs, ms). */
function stageTable(runs: readonly PipelineRun[], t0: number): string {
  const rows = new Map<string, { wait: number[]; work: number[]; end: number[] }>();
  for (const run of runs) {
    for (const s of run.stages) {
      if (s.startedAt === undefined) continue;
      const row = rows.get(s.stage) ?? { wait: [], work: [], end: [] };
      if (s.queuedAt !== undefined) row.wait.push(s.startedAt - s.queuedAt);
      if (s.finishedAt !== undefined) {
        row.work.push(s.finishedAt - s.startedAt);
        row.end.push(s.finishedAt - t0);
      } else if (s.durationMs !== undefined) {
        // A stage that waits (review, for the merge) ran for durationMs before it parked the run.
        row.work.push(s.durationMs);
        row.end.push(s.startedAt + s.durationMs - t0);
      }
      rows.set(s.stage, row);
    }
  }
  const p = (xs: number[], q: number) => (xs.length ? String(Math.round(percentile(xs, q))) : '');
  return table(
    ['stage', 'runs', 'queue wait p50', 'p99', 'run p50', 'p99', 'done by p50 (from POST)', 'p99'],
    [...rows].map(([stage, r]) => [
      stage,
      String(r.work.length),
      p(r.wait, 50),
      p(r.wait, 99),
      p(r.work, 50),
      p(r.work, 99),
      p(r.end, 50),
      p(r.end, 99),
    ]),
  );
}

/** BullMQ's own view of the orchestrator's queues: how long their finished jobs ran (processedOn → finishedOn, ms). */
async function jobTable(url: string, prefix: string): Promise<string> {
  const c = new Redis(url, { maxRetriesPerRequest: 3 });
  const rows: string[][] = [];
  for (const queue of [QueueName.plan, QueueName.patch, QueueName.review]) {
    const ids = await c.zrange(`${prefix}:${queue}:completed`, 0, -1);
    const times = ids.length
      ? await readJobTimes(
          c,
          prefix,
          ids.map((id) => ({ queue, id })),
        )
      : [];
    const run = times.map((t) => t.finishedOn - t.processedOn);
    const p = (q: number) => (run.length ? String(Math.round(percentile(run, q))) : '');
    rows.push([queue, String(run.length), p(50), p(99)]);
  }
  c.disconnect();
  return table(['queue', 'jobs done', 'job p50 ms', 'p99'], rows);
}

/** The GitHub API calls the factory made, by operation. */
function githubTable(requests: readonly { operationId: string | undefined; status: number }[]): string {
  const byOperation = new Map<string, number>();
  for (const r of requests)
    byOperation.set(
      `${r.operationId ?? '?'} ${r.status}`,
      (byOperation.get(`${r.operationId ?? '?'} ${r.status}`) ?? 0) + 1,
    );
  return table(
    ['GitHub operation and status', 'calls'],
    [...byOperation].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, String(n)]),
  );
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const catalog = fanoutCatalog(corpusPath('dhi-catalog'));
  const files = Object.fromEntries(Object.entries(catalog.files).slice(0, LIMIT));
  const osv = fanoutAdvisory() as unknown as OsvAdvisory;
  const base = baseline(files, osv);
  console.log(
    `catalog: ${Object.keys(files).length} definitions (${catalog.pinned} pin the C library, ${catalog.untouched} have no package list); plan: ${base.files} files in ${base.streams.size} image streams`,
  );

  const redis = await startRedisServer();
  const origin = createCatalogOrigin(files);
  const github = await startGithubDouble({
    owner: 'octo',
    repo: 'catalog',
    token: TOKEN,
    resolveBranch: (b) => branchHead(origin.dir, b),
  });
  const fx = new BackboneFixture(redis.url, { PF_LOG_LEVEL: 'warn', PF_TRACES_EXPORTER: 'none' });
  const before = await redisMemory(redis.url);
  const workdirs: string[] = [];
  let t0 = Date.now();
  try {
    const api = await fx.startApi();
    for (let i = 0; i < WORKERS; i++) {
      workdirs.push(mkdtempSync(join(tmpdir(), 'pf-fanout-ws-')));
      await fx.startService('dist/libs/testing/src/patching-worker-main.js', {
        PF_CATALOG_REMOTE: origin.dir,
        PF_CATALOG_WORKDIR: join(workdirs[i] as string, 'catalog.git'),
        PF_FORGE: 'github',
        PF_GITHUB_OWNER: 'octo',
        PF_GITHUB_REPO: 'catalog',
        PF_GITHUB_TOKEN: TOKEN,
        PF_GITHUB_API_URL: github.url,
        PF_GITHUB_WRITES_PER_MINUTE: '100000',
        PF_WORKER_CONCURRENCY: String(CONCURRENCY),
      });
    }
    t0 = Date.now();
    const posted = await api.request('POST', '/events/advisory', osv);
    if (posted.status !== 202)
      throw new Error(`POST /events/advisory: HTTP ${posted.status} ${JSON.stringify(posted.body)}`);
    const progress = setInterval(() => {
      void fx.runs.list({ limit: 10_000 }).then((runs) => {
        const states = new Map<string, number>();
        for (const r of runs) states.set(r.state, (states.get(r.state) ?? 0) + 1);
        console.log(
          `${((Date.now() - t0) / 1000).toFixed(0)} s: ${github.pulls.filter((p) => p.state === 'open').length} pull requests open; runs ${JSON.stringify(Object.fromEntries(states))}`,
        );
      });
    }, 10_000);
    const opened = await waitFor(
      `${base.streams.size} pull requests open`,
      () => {
        const open = github.pulls.filter((p) => p.state === 'open');
        return Promise.resolve(open.length >= base.streams.size ? open : undefined);
      },
      TIMEOUT_MS,
      100,
    ).finally(() => clearInterval(progress));
    const total = (Date.now() - t0) / 1000;
    const peak = await redisMemory(redis.url);
    const heads = new Set(opened.map((p) => p.head));
    const missing = [...base.streams].filter((s) => !heads.has(`pf/${s.slice('image/'.length)}`));
    if (missing.length)
      throw new Error(`${missing.length} streams have no pull request, e.g. ${missing.slice(0, 3).join(', ')}`);
    const created = github.requests
      .filter((r) => r.method === 'POST' && /\/pulls$/.test(r.path) && r.status === 201)
      .map((r) => r.at - t0);
    const writes = github.writes().length;
    github.assertNoViolations();
    console.log(
      table(
        [
          'side',
          'seconds',
          'PR p50 s',
          'PR p99 s',
          'PRs',
          'GitHub calls/PR',
          'writes/PR',
          'Redis used MiB',
          'Redis peak MiB',
        ],
        [
          [
            'project (queues, git, GitHub double)',
            total.toFixed(1),
            (percentile(created, 50) / 1000).toFixed(1),
            (percentile(created, 99) / 1000).toFixed(1),
            String(opened.length),
            (github.requests.length / opened.length).toFixed(2),
            (writes / opened.length).toFixed(2),
            mib(peak.used - before.used),
            mib(peak.peak),
          ],
          [
            'baseline (one process, no queues)',
            (base.ms / 1000).toFixed(2),
            '',
            '',
            String(base.streams.size),
            '',
            '',
            '',
            '',
          ],
        ],
      ),
    );
    console.log(stageTable(await fx.runs.list({ limit: 1000 }), t0));
    console.log(githubTable(github.requests));
    console.log(await jobTable(redis.url, fx.prefix));
    console.log(
      `ratio project/baseline: ${(total / (base.ms / 1000)).toFixed(1)}x; target: the whole fan-out under 120 s: ${total < 120 ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `at github.com's secondary limit of 80 writes per minute, ${writes} writes would take at least ${(writes / 80).toFixed(1)} min`,
    );
  } catch (error) {
    console.error(stageTable(await fx.runs.list({ limit: 1000 }), t0));
    console.error(githubTable(github.requests));
    console.error(await jobTable(redis.url, fx.prefix));
    for (const p of fx.processes) console.error(`--- pid ${p.pid}:\n${p.output().slice(-3000)}`);
    throw error;
  } finally {
    await fx.close();
    await github.close();
    origin.cleanup();
    await redis.stop();
    for (const dir of workdirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
