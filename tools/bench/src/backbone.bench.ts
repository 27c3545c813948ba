import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import { startTracing, stopTracing } from '@patch-factory/telemetry';
import { anyExit } from './bench-process';
import { startRedisServer, type RedisServerHandle } from '@patch-factory/testing';
import { persistence, readJobTimes, setAppendFsync, type BenchFsync } from './bench-redis';
import { percentile, runPool, sleep, table, waitForCount } from './bench-util';
import { cpuSnapshot, type CpuSnapshot } from './cpu-usage';
import {
  BENCH_STAGES,
  ProjectSide,
  RawSide,
  workersRegistered,
  type BenchSettings,
  type BenchSide,
  type SideName,
} from './backbone-sides';

/**
 * `npm run bench:backbone` (issue 2): 2,000 five-stage no-op pipelines through the
 * project's backbone (five worker processes, one stage each) side by side with a raw
 * BullMQ five-queue chain on the same Redis; prints pipelines/s, p50/p99 stage hand-off
 * latency and the throughput ratio, and checks the targets (>= 0.7x, p99 < 20 ms).
 *
 * Per side: start five workers, warm up, then the burst (all pipelines launched at once,
 * BENCH_LAUNCH_PARALLEL in flight) timed from the first enqueue to the last pipeline's
 * end; then a paced phase (BENCH_PACED pipelines at BENCH_PACED_RATE/s, well under
 * capacity) for the hand-off latency of an unsaturated backbone.
 *
 * Hand-off latency of a stage job = BullMQ processedOn - timestamp (enqueued -> picked
 * up by a worker), read from the completed job hashes, for the four stages after the first.
 *
 * Sides: `project` (libs/testing worker-main, CountingExecutor), `project-noop` (the same
 * service with an executor that does nothing), `raw` (tools/bench raw-chain-worker).
 *
 * Knobs (env): BENCH_PIPELINES (2000), BENCH_WARMUP (100), BENCH_CONCURRENCY (16, the
 * PF_WORKER_CONCURRENCY of every worker on every side), BENCH_LAUNCH_PARALLEL (16),
 * BENCH_PACED (300, 0 = skip), BENCH_PACED_RATE (50), BENCH_LOG_LEVEL (warn),
 * BENCH_SIDES (project,project-noop,raw), BENCH_TIMEOUT_MS (300000 per phase), BENCH_ROUNDS (3:
 * every side runs once per round, in alternating order; the summary gives the median
 * ratio, steadier than one round on a shared machine), PF_REDIS_URL.
 *
 * Durability (issue 13): BENCH_FSYNC (everysec,always) runs every side once per AOF fsync
 * policy in every round, on the same server (CONFIG SET appendfsync between sides), so the
 * ratio before (everysec) and after (always, infra/redis.conf) the durability choice is
 * printed side by side from one run. BENCH_REDIS: `own` (default) starts a dedicated
 * redis-server with infra/redis.conf on a free port (its AOF in a temp folder on the local
 * disk), so the bench never changes a shared server's policy; `shared` uses PF_REDIS_URL and
 * puts its appendfsync back at the end.
 * Exits 0 when the benchmark ran (targets met or not), non-zero on errors.
 */

const TARGET_RATIO = 0.7;
const TARGET_P99_MS = 20;

function intEnv(name: string, def: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} must be an integer >= ${min} (got ${JSON.stringify(raw)})`);
  return n;
}

interface Options extends Omit<BenchSettings, 'allowWeakDurability'> {
  fsyncs: BenchFsync[];
  ownRedis: boolean;
  pipelines: number;
  warmup: number;
  launchParallel: number;
  paced: number;
  pacedRate: number;
  timeoutMs: number;
  rounds: number;
  sides: SideName[];
}

function options(): Options {
  const sides = (process.env['BENCH_SIDES'] ?? 'project,project-noop,raw').split(',').map((s) => s.trim());
  for (const s of sides) {
    if (s !== 'project' && s !== 'project-noop' && s !== 'raw')
      throw new Error(`BENCH_SIDES: unknown side "${s}" (project, project-noop, raw)`);
  }
  const fsyncs = (process.env['BENCH_FSYNC'] ?? 'everysec,always').split(',').map((s) => s.trim());
  for (const f of fsyncs) {
    if (f !== 'everysec' && f !== 'always')
      throw new Error(`BENCH_FSYNC: unknown appendfsync policy "${f}" (everysec, always)`);
  }
  const redisMode = process.env['BENCH_REDIS'] ?? 'own';
  if (redisMode !== 'own' && redisMode !== 'shared')
    throw new Error(`BENCH_REDIS must be "own" or "shared" (got ${JSON.stringify(redisMode)})`);
  return {
    fsyncs: fsyncs as BenchFsync[],
    ownRedis: redisMode === 'own',
    redisUrl: process.env['PF_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    concurrency: intEnv('BENCH_CONCURRENCY', 16),
    logLevel: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
    pipelines: intEnv('BENCH_PIPELINES', 2000),
    warmup: intEnv('BENCH_WARMUP', 100, 0),
    launchParallel: intEnv('BENCH_LAUNCH_PARALLEL', 16),
    paced: intEnv('BENCH_PACED', 300, 0),
    pacedRate: intEnv('BENCH_PACED_RATE', 50),
    timeoutMs: intEnv('BENCH_TIMEOUT_MS', 300_000),
    rounds: intEnv('BENCH_ROUNDS', 3),
    sides: sides as SideName[],
  };
}

interface Handoffs {
  p50: number;
  p99: number;
  max: number;
  byStage: { stage: string; p50: number; p99: number }[];
}

interface SideResult {
  side: SideName;
  /** The AOF fsync policy the server ran with. */
  fsync: BenchFsync;
  /** side@fsync, or the side alone when only one policy is measured. */
  label: string;
  pipelines: number;
  seconds: number;
  perSecond: number;
  burst: Handoffs;
  paced?: Handoffs & { pipelines: number; rate: number };
  /** CPU spent during the burst, per pipeline (ms), and Redis commands per pipeline. */
  perPipeline: { workersMs: number; launcherMs: number; redisMs: number; otherMs: number; redisCommands: number };
}

const active = new Set<BenchSide>();
/** The dedicated redis-server of BENCH_REDIS=own, stopped at the end or on a signal. */
let ownRedis: RedisServerHandle | undefined;

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

const fmt = (n: number, d = 1) => n.toFixed(d);

/** Hand-off latencies (processedOn - timestamp) of the stage jobs after the first, over `ids`. */
async function handoffs(observer: Redis, side: BenchSide, ids: readonly string[]): Promise<Handoffs> {
  const byStage = [];
  const all: number[] = [];
  for (const stage of BENCH_STAGES.slice(1)) {
    const times = await readJobTimes(
      observer,
      side.prefix,
      ids.map((id) => side.job(id, stage)),
      1000,
      false,
    );
    const values = times.map((j) => j.processedOn - j.timestamp);
    all.push(...values);
    byStage.push({ stage, p50: percentile(values, 50), p99: percentile(values, 99) });
  }
  return { p50: percentile(all, 50), p99: percentile(all, 99), max: Math.max(...all), byStage };
}

function perPipeline(before: CpuSnapshot, after: CpuSnapshot, n: number): SideResult['perPipeline'] {
  const d = (k: keyof CpuSnapshot) => (after[k] - before[k]) / n;
  const ours = d('workersMs') + d('launcherMs') + d('redisMs');
  return {
    workersMs: d('workersMs'),
    launcherMs: d('launcherMs'),
    redisMs: d('redisMs'),
    otherMs: Math.max(0, d('machineMs') - ours),
    redisCommands: d('redisCommands'),
  };
}

async function runSide(side: BenchSide, opts: Options, observer: Redis): Promise<Omit<SideResult, 'fsync' | 'label'>> {
  active.add(side);
  let died: ReturnType<typeof anyExit> | undefined;
  try {
    const t = Date.now();
    await side.start();
    died = anyExit(side.workers);
    const abort = died.promise;
    await waitForCount(
      `${side.name} workers on all five queues`,
      BENCH_STAGES.length,
      () => workersRegistered(observer, side.prefix),
      {
        timeoutMs: 60_000,
        stallMs: 60_000,
        everyMs: 100,
        abort,
      },
    );
    log(`${side.name}: 5 workers ready in ${Date.now() - t} ms (prefix ${side.prefix})`);
    let done = 0;
    const awaitFinished = async (what: string, count: number) => {
      done += count;
      await waitForCount(what, done, () => side.finishedCount(), { timeoutMs: opts.timeoutMs, stallMs: 30_000, abort });
    };

    if (opts.warmup > 0) {
      await Promise.race([runPool(opts.warmup, opts.launchParallel, (i) => side.launch('w', i)), abort]);
      await awaitFinished(`${opts.warmup} ${side.name} warm-up pipelines`, opts.warmup);
      log(`${side.name}: warm-up of ${opts.warmup} pipelines done`);
    }

    // The burst: every pipeline launched as fast as the launcher can, timed to the last one's end.
    const pids = side.workers.map((w) => w.pid);
    const before = await cpuSnapshot(observer, pids);
    const ids = new Array<string>(opts.pipelines);
    const t0 = Date.now();
    await Promise.race([
      runPool(opts.pipelines, opts.launchParallel, async (i) => {
        ids[i] = await side.launch('m', i);
      }),
      abort,
    ]);
    await awaitFinished(`${opts.pipelines} ${side.name} pipelines`, opts.pipelines);
    const after = await cpuSnapshot(observer, pids);
    const seconds = (Math.max(...(await side.finishTimes(ids))) - t0) / 1000;
    log(`${side.name}: ${opts.pipelines} pipelines in ${seconds.toFixed(2)} s`);

    // Paced: launches spread at a fixed rate far below capacity, for the unsaturated hand-off.
    let paced: SideResult['paced'];
    if (opts.paced > 0) {
      const pacedIds = new Array<string>(opts.paced);
      const launches: Promise<void>[] = [];
      const p0 = Date.now();
      for (let i = 0; i < opts.paced; i++) {
        const wait = p0 + (i * 1000) / opts.pacedRate - Date.now();
        if (wait > 0) await Promise.race([sleep(wait), abort]);
        const launch = side.launch('p', i).then((id) => {
          pacedIds[i] = id;
        });
        launch.catch(() => undefined); // reported by Promise.all below
        launches.push(launch);
      }
      await Promise.race([Promise.all(launches), abort]);
      await awaitFinished(`${opts.paced} paced ${side.name} pipelines`, opts.paced);
      await side.finishTimes(pacedIds);
      paced = { ...(await handoffs(observer, side, pacedIds)), pipelines: opts.paced, rate: opts.pacedRate };
      log(`${side.name}: ${opts.paced} paced pipelines done`);
    }
    await side.verify();
    died.cancel();

    return {
      side: side.name,
      pipelines: opts.pipelines,
      seconds,
      perSecond: opts.pipelines / seconds,
      burst: await handoffs(observer, side, ids),
      ...(paced ? { paced } : {}),
      perPipeline: perPipeline(before, after, opts.pipelines),
    };
  } finally {
    died?.cancel();
    const deleted = await side.stop();
    active.delete(side);
    log(`${side.name}: workers stopped, ${deleted} keys of ${side.prefix} deleted`);
  }
}

/** The raw side measured with the same fsync policy as `r` (the like-for-like baseline). */
function rawOf(results: readonly SideResult[], fsync: BenchFsync): SideResult | undefined {
  return results.find((x) => x.side === 'raw' && x.fsync === fsync);
}

function report(results: readonly SideResult[], opts: Options): void {
  console.log('');
  console.log(
    table(
      ['side', 'pipelines', 'seconds', 'pipelines/s', 'hand-off p50 ms', 'hand-off p99 ms', 'max ms'],
      results.map((r) => [
        r.label,
        String(r.pipelines),
        fmt(r.seconds, 2),
        fmt(r.perSecond),
        String(r.burst.p50),
        String(r.burst.p99),
        String(r.burst.max),
      ]),
    ),
  );
  console.log('');
  console.log('burst hand-off p50/p99 ms by stage (BullMQ processedOn - timestamp):');
  for (const r of results)
    console.log(`  ${r.label.padEnd(21)} ${r.burst.byStage.map((s) => `${s.stage} ${s.p50}/${s.p99}`).join('  ')}`);
  const paced = results.filter((r) => r.paced);
  if (paced.length > 0) {
    console.log('');
    console.log(`paced: ${opts.paced} pipelines at ${opts.pacedRate}/s (unsaturated), hand-off ms:`);
    console.log(
      table(
        ['side', 'p50', 'p99', 'max'],
        paced.map((r) => [r.label, String(r.paced?.p50), String(r.paced?.p99), String(r.paced?.max)]),
      ),
    );
  }
  console.log('');
  console.log(
    'CPU ms per pipeline during the burst (/proc; redis: INFO cpu), Redis commands per pipeline (INFO; all clients, commands inside scripts included):',
  );
  console.log(
    table(
      ['side', 'workers', 'launcher', 'redis', 'other processes', 'redis cmds'],
      results.map((r) => {
        const c = r.perPipeline;
        return [
          r.label,
          fmt(c.workersMs, 2),
          fmt(c.launcherMs, 2),
          fmt(c.redisMs, 2),
          fmt(c.otherMs, 2),
          fmt(c.redisCommands, 0),
        ];
      }),
    ),
  );
  console.log('');
  const before = rawOf(results, 'everysec');
  for (const project of results.filter((r) => r.side !== 'raw')) {
    const raw = rawOf(results, project.fsync);
    if (raw) {
      const ratio = project.perSecond / raw.perSecond;
      console.log(
        `throughput ratio ${project.label}/${raw.label}: ${fmt(ratio, 2)}x  (target >= ${TARGET_RATIO}x): ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}`,
      );
    }
    if (before && before !== raw)
      console.log(
        `throughput ratio ${project.label}/${before.label} (against the baseline before the durability choice): ${fmt(project.perSecond / before.perSecond, 2)}x`,
      );
    const p99 = project.burst.p99;
    console.log(
      `${project.label} hand-off p99 (burst): ${p99} ms  (target < ${TARGET_P99_MS} ms): ${p99 < TARGET_P99_MS ? 'PASS' : 'FAIL'}`,
    );
    if (project.paced) {
      const pp = project.paced.p99;
      console.log(
        `${project.label} hand-off p99 (paced): ${pp} ms  (target < ${TARGET_P99_MS} ms): ${pp < TARGET_P99_MS ? 'PASS' : 'FAIL'}`,
      );
    }
  }
}

/**
 * The throughput of every round side by side, the median ratio of each project side to raw
 * at the same fsync policy, to raw at everysec (the baseline before issue 13), and of each
 * side at always to itself at everysec (the cost of the durability choice).
 */
function summary(rounds: readonly SideResult[][]): void {
  if (rounds.length === 0) return;
  const first = rounds[0]!;
  const labels = first.map((r) => r.label);
  const find = (round: readonly SideResult[], side: SideName, fsync: BenchFsync) =>
    round.find((r) => r.side === side && r.fsync === fsync);
  /** `like`: a project side over raw under the same policy (issue 2's target applies). */
  const ratios: { name: string; like?: boolean; of: (round: readonly SideResult[]) => number }[] = [];
  for (const p of first.filter((r) => r.side !== 'raw')) {
    if (find(first, 'raw', p.fsync)) {
      ratios.push({
        name: `${p.label}/raw@${p.fsync}`,
        like: true,
        of: (round) =>
          (find(round, p.side, p.fsync)?.perSecond ?? NaN) / (find(round, 'raw', p.fsync)?.perSecond ?? NaN),
      });
    }
    if (p.fsync !== 'everysec' && find(first, 'raw', 'everysec')) {
      ratios.push({
        name: `${p.label}/raw@everysec`,
        of: (round) =>
          (find(round, p.side, p.fsync)?.perSecond ?? NaN) / (find(round, 'raw', 'everysec')?.perSecond ?? NaN),
      });
    }
  }
  for (const r of first.filter((x) => x.fsync === 'always')) {
    if (find(first, r.side, 'everysec')) {
      ratios.push({
        name: `${r.side} always/everysec`,
        of: (round) =>
          (find(round, r.side, 'always')?.perSecond ?? NaN) / (find(round, r.side, 'everysec')?.perSecond ?? NaN),
      });
    }
  }
  console.log(`\n=== summary of ${rounds.length} round(s): pipelines/s (burst) by side@appendfsync`);
  console.log(
    table(
      ['round', ...labels],
      rounds.map((round, i) => [
        String(i + 1),
        ...labels.map((l) => fmt(round.find((r) => r.label === l)?.perSecond ?? NaN)),
      ]),
    ),
  );
  for (const ratio of ratios) {
    const values = rounds.map((round) => ratio.of(round));
    const median = percentile(values, 50);
    const target = ratio.like ? `  (target >= ${TARGET_RATIO}x): ${median >= TARGET_RATIO ? 'PASS' : 'FAIL'}` : '';
    console.log(
      `median ratio ${ratio.name} over ${values.length} round(s): ${fmt(median, 2)}x  [${values.map((v) => fmt(v, 2)).join(', ')}]${target}`,
    );
  }
}

async function main(): Promise<void> {
  let restoreFsync: BenchFsync | undefined;
  const opts = options();
  if (opts.ownRedis) {
    const own = await startRedisServer();
    ownRedis = own;
    opts.redisUrl = own.url;
    log(`dedicated redis-server (infra/redis.conf) on ${own.url}, AOF in ${own.dir}`);
  }
  const observer = new Redis(opts.redisUrl, {
    maxRetriesPerRequest: 1,
    connectionName: 'bench:observer',
    lazyConnect: true,
  });
  try {
    await observer.connect().catch((error: Error) => {
      throw new Error(
        `cannot reach Redis at ${opts.redisUrl} (${error.message}); start it with infra/scripts/redis-start.sh`,
      );
    });
    const info = await observer.info('server');
    const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    // The launcher runs in this process: trace ids are made and recorded as in the API service (not exported).
    startTracing({ service: 'bench-launcher', exporter: 'none' });
    const id = randomBytes(3).toString('hex');
    const prefixOf: Record<SideName, string> = {
      project: `bench-p-${id}`,
      'project-noop': `bench-n-${id}`,
      raw: `bench-r-${id}`,
    };
    const original = await persistence(observer);
    if (original.appendonly !== 'yes')
      throw new Error(
        `the bench Redis at ${opts.redisUrl} runs without its append-only file; start it with infra/redis.conf`,
      );
    restoreFsync = original.appendfsync as BenchFsync;
    const settingsFor = (fsync: BenchFsync): BenchSettings => ({
      redisUrl: opts.redisUrl,
      concurrency: opts.concurrency,
      logLevel: opts.logLevel,
      allowWeakDurability: fsync !== 'always',
    });
    console.log(
      `backbone benchmark: ${opts.pipelines} five-stage no-op pipelines (${BENCH_STAGES.join(' -> ')}) per side after ` +
        `${opts.warmup} warm-up; five worker processes per side, PF_WORKER_CONCURRENCY=${opts.concurrency}, ` +
        `${opts.launchParallel} launches in flight, PF_LOG_LEVEL=${opts.logLevel}`,
    );
    console.log(
      `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, redis ${redisVersion} at ${opts.redisUrl} ` +
        `(${opts.ownRedis ? 'dedicated, infra/redis.conf' : 'shared'}; appendonly ${original.appendonly}, appendfsync per side: ${opts.fsyncs.join(', ')})`,
    );
    const rounds: SideResult[][] = [];
    for (let round = 0; round < opts.rounds; round++) {
      // The order of the sides (and of the fsync policies) alternates from one round to the next, so that none always runs first.
      // A side runs under each policy back to back: the before/after pair of a side shares the machine's load of the moment.
      const fsyncOrder = round % 2 === 0 ? opts.fsyncs : [...opts.fsyncs].reverse();
      const sideOrder = round % 2 === 0 ? opts.sides : [...opts.sides].reverse();
      const results: SideResult[] = [];
      for (const name of sideOrder) {
        for (const fsync of fsyncOrder) {
          await setAppendFsync(observer, fsync);
          const settings = settingsFor(fsync);
          const prefix = `${prefixOf[name]}-${fsync[0]}${round}`;
          const side =
            name === 'raw'
              ? new RawSide(prefix, settings, observer)
              : new ProjectSide(name, prefix, settings, observer);
          const label = opts.fsyncs.length > 1 ? `${name}@${fsync}` : name;
          results.push({ ...(await runSide(side, opts, observer)), fsync, label });
        }
      }
      const rank = (r: SideResult) => opts.fsyncs.indexOf(r.fsync) * 10 + opts.sides.indexOf(r.side);
      results.sort((a, b) => rank(a) - rank(b));
      rounds.push(results);
      console.log(`\n=== round ${round + 1} of ${opts.rounds}`);
      report(results, opts);
    }
    summary(rounds);
  } finally {
    for (const side of active) await side.stop();
    if (restoreFsync && !ownRedis) await setAppendFsync(observer, restoreFsync).catch(() => undefined);
    await stopTracing().catch(() => undefined);
    observer.disconnect();
    await ownRedis?.stop();
    ownRedis = undefined;
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping workers and deleting benchmark keys`);
    void Promise.allSettled([...active].map((s) => s.stop()))
      .then(() => ownRedis?.stop())
      .finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:backbone failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
