import { Writable } from 'node:stream';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { JOB_NAMES, QueueName, upstreamEventJobId } from '@patch-factory/contracts';
import { FactoryMetrics } from '@patch-factory/telemetry';
import { dropPrefix, sharedRedisUrl, testPrefix, waitFor } from '@patch-factory/testing';
import { DeadLetterService } from './dead-letter.service';
import { PLANNING_PRIORITY } from './event-planning';
import { EventPlanningQueue } from './event-planning-queue';
import { JobProducer } from './job-producer';
import type { JobOptionsTable, JobPolicy } from './job-options.types';

// Issue 14, bounded work: the dead-letter queue keeps at most PF_DEAD_LETTER_MAX entries; the
// oldest beyond it are dropped, each one logged; a replayed planning job keeps its place on the
// planning lane. Real Redis, real BullMQ failures.

const policy: JobPolicy = {
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 100 },
  keepCompleted: { ageSeconds: 3_600, count: 1_000 },
  keepFailed: { ageSeconds: 3_600, count: 1_000 },
  lockDurationMs: 30_000,
  maxStalledCount: 1,
};
const JOB_OPTIONS = Object.fromEntries(JOB_NAMES.map((n) => [n, policy])) as JobOptionsTable;

describe('dead letters are capped by count (real Redis and BullMQ)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  const producer = new JobProducer(redis, { PF_PREFIX: prefix } as never, {
    service: 'test',
    owns: [],
    jobOptions: JOB_OPTIONS,
  });
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const service = new DeadLetterService(
    producer,
    new FactoryMetrics('dead-letter-cap-test'),
    pino({ level: 'warn' }, sink),
    undefined,
    { PF_DEAD_LETTER_MAX: 3 },
  );
  const plan = new Queue(QueueName.plan, { connection: redis, prefix });
  afterAll(async () => {
    await producer.onApplicationShutdown();
    await plan.close();
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  it('keeps the newest PF_DEAD_LETTER_MAX entries and logs each one dropped', async () => {
    const worker = new Worker(
      QueueName.plan,
      () => {
        throw new UnrecoverableError('terminal:test-failure: always fails');
      },
      { connection: redis.duplicate(), prefix, concurrency: 1 },
    );
    try {
      for (let i = 0; i < 5; i++)
        await producer.enqueue('event.upstream', { v: 1, eventId: `dl-${i}` }, { jobId: `dl-${i}` });
      await waitFor('5 failed jobs', async () => ((await plan.getFailedCount()) === 5 ? true : undefined), 20_000, 50);
    } finally {
      await worker.close();
    }
    // Dead-lettered in failure order, oldest first.
    const failed = (await plan.getFailed(0, 10)).sort(
      (a, b) => (a.finishedOn ?? 0) - (b.finishedOn ?? 0) || String(a.id).localeCompare(String(b.id)),
    );
    for (const job of failed) expect(await service.capture(QueueName.plan, job)).toBeDefined();

    const kept = await service.list(100);
    expect(kept).toHaveLength(3);
    expect(kept.map((d) => d.jobId).sort()).toEqual(
      failed
        .slice(2)
        .map((j) => j.id)
        .sort(),
    );
    const drops = lines.filter((l) => l['msg'] === 'dead letter dropped: over PF_DEAD_LETTER_MAX');
    expect(drops.map((l) => l['jobId']).sort()).toEqual(
      failed
        .slice(0, 2)
        .map((j) => j.id)
        .sort(),
    );
    expect(drops[0]).toMatchObject({ queue: QueueName.plan, max: 3 });
    // Under the cap: nothing to drop.
    expect(await service.trim()).toBe(0);
  });

  it('a replayed planning job goes back on the lane with the priority it had', async () => {
    const critical = new EventPlanningQueue(producer);
    await critical.plan({ id: 'dl-critical', severity: 'critical', advisory: 'CVE-DL' });
    const worker = new Worker(
      QueueName.plan,
      () => {
        throw new UnrecoverableError('terminal:test-failure: fails once');
      },
      { connection: redis.duplicate(), prefix, concurrency: 1 },
    );
    try {
      await waitFor(
        'the critical planning job failed',
        async () => ((await plan.getJob(upstreamEventJobId('dl-critical')))?.failedReason ? true : undefined),
        20_000,
        50,
      );
    } finally {
      await worker.close();
    }
    const entryId = await service.capture(
      QueueName.plan,
      (await plan.getJob(upstreamEventJobId('dl-critical'))) as Job,
    );
    expect((await service.get(entryId ?? ''))?.priority).toBe(PLANNING_PRIORITY.critical);
    // A plain update waiting on the lane: the replayed critical job is still taken first.
    await critical.plan({ id: 'dl-plain' });
    await service.replay(entryId ?? '');
    expect((await plan.getJob(upstreamEventJobId('dl-critical')))?.opts.priority).toBe(PLANNING_PRIORITY.critical);
    const next = await plan.getJobs(['prioritized'], 0, 0, true);
    expect(next.map((j) => j.id)).toEqual([upstreamEventJobId('dl-critical')]);
  });
});
