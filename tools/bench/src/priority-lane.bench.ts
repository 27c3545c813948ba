import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueName, upstreamEventJobId, type UpstreamEvent } from '@patch-factory/contracts';
import { JOB_OPTIONS } from '@patch-factory/pipeline';
import { EventPlanningQueue, JobProducer } from '@patch-factory/queue';
import { PatchRequestRepository } from '@patch-factory/store';
import { createCatalogOrigin, repoRoot, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { spawnBenchProcess, stopAll, type BenchProcess } from './bench-process';
import { deletePrefix } from './bench-redis';
import { sleep, table } from './bench-util';

/**
 * `npm run bench:priority-lane` (issue 14): how long a critical event waits to be planned behind
 * a backlog of planning jobs — one advisory with BENCH_ADVISORY_EVENTS (1,500) fixed versions
 * (critical too: the worst case for the lane) and BENCH_PLAIN (500) plain updates, enqueued before
 * the planner runs — with and without the priority lane, side by side in one run. "Without" is
 * today's producers before issue 14: every planning job enqueued with no priority, FIFO. "With"
 * goes through EventPlanningQueue (priorities; the advisory PF_ADVISORY_EVENT_BATCH, 100, at a
 * time). The planner is the real patching worker process (libs/patching, PF_WORKER_CONCURRENCY 4)
 * on a one-definition catalog, started once the backlog is in place; the delay is read from
 * BullMQ's own records: from the first planning job's start (processedOn) to the critical job's. Knobs: BENCH_ADVISORY_EVENTS, BENCH_PLAIN, PF_REDIS_URL (default: this checkout's Redis).
 */
const ADVISORY_EVENTS = Number(process.env['BENCH_ADVISORY_EVENTS'] ?? 1_500);
const PLAIN = Number(process.env['BENCH_PLAIN'] ?? 500);
const REDIS = sharedRedisUrl();
const DEFINITION = 'image/php/alpine-3.23/8.3.yaml';

type Side = 'with lane' | 'without lane';
interface Outcome {
  side: Side;
  backlog: number;
  ahead: number;
  delayMs: number;
}

function events(): { plain: UpstreamEvent[]; advisory: UpstreamEvent[]; critical: UpstreamEvent } {
  const now = Date.now();
  const plain = Array.from({ length: PLAIN }, (_, i): UpstreamEvent => ({
    id: `bench-plain-${i}`,
    source: 'alpine',
    ref: `pkg:apk/alpine/bench-plain-${i}`,
    version: '1.0-r0',
    firstSeenAt: now,
  }));
  const advisory = Array.from({ length: ADVISORY_EVENTS }, (_, i): UpstreamEvent => ({
    id: `BENCH-ADV-1:apk.alpine.bench-adv:1.${i}`,
    source: 'osv',
    ref: 'pkg:apk/alpine/bench-adv',
    version: `1.${i}`,
    advisory: 'BENCH-ADV-1',
    severity: 'critical',
    firstSeenAt: now,
  }));
  const critical: UpstreamEvent = {
    id: 'BENCH-CRIT-1:apk.alpine.bench-crit:2.0',
    source: 'osv',
    ref: 'pkg:apk/alpine/bench-crit',
    version: '2.0',
    advisory: 'BENCH-CRIT-1',
    severity: 'critical',
    firstSeenAt: now,
  };
  return { plain, advisory, critical };
}

async function runSide(side: Side, redis: Redis, catalogDir: string): Promise<Outcome> {
  const prefix = testPrefix();
  const producer = new JobProducer(redis, { PF_PREFIX: prefix, PF_ADVISORY_EVENT_BATCH: 100 } as never, {
    service: 'bench',
    owns: [],
    jobOptions: JOB_OPTIONS,
  });
  const store = new PatchRequestRepository(redis, prefix);
  const plan = new Queue(QueueName.plan, { connection: redis, prefix });
  const procs: BenchProcess[] = [];
  try {
    const { plain, advisory, critical } = events();
    for (const e of [...plain, ...advisory, critical]) await store.saveEvent(e);
    // The backlog: plain updates first, then the advisory; then, with the backlog in place, the critical event.
    if (side === 'with lane') {
      const lane = new EventPlanningQueue(producer);
      for (const e of plain) await lane.plan(e);
      await lane.planAll(advisory);
      await lane.plan(critical);
    } else {
      const policy = JOB_OPTIONS['event.upstream'];
      for (const e of [...plain, ...advisory, critical])
        await plan.add(
          'event.upstream',
          { v: 1, eventId: e.id },
          { jobId: upstreamEventJobId(e.id), attempts: policy.attempts, removeOnComplete: { count: 10_000 } },
        );
    }
    const env = {
      PF_PREFIX: prefix,
      PF_REDIS_URL: REDIS,
      PF_LOG_LEVEL: 'warn',
      PF_TRACES_EXPORTER: 'none',
      PF_WORKER_CONCURRENCY: '4',
    };
    procs.push(
      spawnBenchProcess('planner', 'dist/libs/testing/src/patching-worker-main.js', {
        ...env,
        PF_CATALOG_REMOTE: catalogDir,
        PF_CATALOG_WORKDIR: join(mkdtempSync(join(tmpdir(), 'pf-bench-lane-')), 'catalog.git'),
      }),
    );
    const criticalJobId = upstreamEventJobId(critical.id);
    let done: { processedOn: number; timestamp: number } | undefined;
    for (let i = 0; i < 12_000 && !done; i++) {
      const job = await plan.getJob(criticalJobId);
      if (job?.finishedOn && job.processedOn) done = { processedOn: job.processedOn, timestamp: job.timestamp };
      else await sleep(100);
    }
    if (!done) throw new Error(`${side}: the critical event was not planned within 20 minutes`);
    const started = await Promise.all(
      [...plain, ...advisory].map(async (e) => (await plan.getJob(upstreamEventJobId(e.id)))?.processedOn),
    );
    const ahead = started.filter((t) => t !== undefined && t < (done?.processedOn ?? 0)).length;
    // From the planner's first job (its boot is not the lane's doing) to the critical event's start.
    const first = Math.min(done.processedOn, ...started.filter((t): t is number => t !== undefined));
    return { side, backlog: plain.length + advisory.length, ahead, delayMs: done.processedOn - first };
  } finally {
    await stopAll(procs);
    await producer.onApplicationShutdown();
    await plan.close();
    await deletePrefix(redis, prefix).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const catalog = createCatalogOrigin({
    [DEFINITION]: readFileSync(join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog', DEFINITION), 'utf8'),
  });
  const redis = new Redis(REDIS, { maxRetriesPerRequest: null });
  try {
    const lane = await runSide('with lane', redis, catalog.dir);
    const fifo = await runSide('without lane', redis, catalog.dir);
    console.log(
      `priority-lane benchmark: a critical event behind ${lane.backlog} planning jobs (${PLAIN} plain updates, one ${ADVISORY_EVENTS}-event critical advisory), real planner x4, node ${process.version}`,
    );
    const row = (o: Outcome) => [o.side, String(o.backlog), String(o.ahead), String(o.delayMs)];
    console.log(table(['side', 'backlog', 'planned before it', 'delay ms'], [row(lane), row(fifo)]));
    console.log(`ratio delay without/with: ${(fifo.delayMs / Math.max(1, lane.delayMs)).toFixed(1)}x`);
  } finally {
    redis.disconnect();
    catalog.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:priority-lane failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
