import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  JOB_NAMES,
  QueueName,
  upstreamEventJobId,
  type PlanningBatchJob,
  type UpstreamEvent,
} from '@patch-factory/contracts';
import { dropPrefix, sharedRedisUrl, testPrefix, waitFor } from '@patch-factory/testing';
import { EventPlanningQueue } from './event-planning-queue';
import { PLANNING_PRIORITY, planningPriority } from './event-planning';
import { JobProducer } from './job-producer';
import type { JobOptionsTable, JobPolicy } from './job-options.types';

// The planning lane on real Redis and BullMQ: the order a real worker takes planning jobs in,
// and an advisory's events going on the lane a batch at a time (issue 14: a 1,500-event
// advisory must not put 1,500 jobs ahead of a critical event posted after it).

const policy: JobPolicy = {
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 100 },
  keepCompleted: { ageSeconds: 3_600, count: 10_000 },
  keepFailed: { ageSeconds: 3_600, count: 10_000 },
  lockDurationMs: 30_000,
  maxStalledCount: 1,
};
const JOB_OPTIONS = Object.fromEntries(JOB_NAMES.map((n) => [n, policy])) as JobOptionsTable;

type Lane = { redis: Redis; producer: JobProducer; lane: EventPlanningQueue; queue: Queue; prefix: string };
const lanes: Lane[] = [];
function newLane(batch: number): Lane {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  const producer = new JobProducer(redis, { PF_PREFIX: prefix, PF_ADVISORY_EVENT_BATCH: batch } as never, {
    service: 'test',
    owns: [],
    jobOptions: JOB_OPTIONS,
  });
  const lane = {
    redis,
    producer,
    lane: new EventPlanningQueue(producer),
    queue: new Queue(QueueName.plan, { connection: redis, prefix }),
    prefix,
  };
  lanes.push(lane);
  return lane;
}
afterAll(async () => {
  for (const l of lanes) {
    await l.producer.onApplicationShutdown();
    await l.queue.close();
    await dropPrefix(sharedRedisUrl(), l.prefix);
    l.redis.disconnect();
  }
});

/** Runs one real worker (concurrency 1) over the plan queue until `done`; continuations go through the lane. Returns the event ids in the order planned. */
async function drain(l: Lane, expected: number): Promise<string[]> {
  const order: string[] = [];
  const worker = new Worker(
    QueueName.plan,
    async (job: Job) => {
      if (job.name === 'event.planning-batch') {
        const p = job.data as PlanningBatchJob;
        await l.lane.continueBatch(p.batch, p.offset);
      } else order.push((job.data as { eventId: string }).eventId);
    },
    { connection: l.redis.duplicate(), prefix: l.prefix, concurrency: 1 },
  );
  try {
    await waitFor(
      `${expected} planning jobs processed`,
      () => Promise.resolve(order.length >= expected ? true : undefined),
      60_000,
      50,
    );
    // Nothing more comes (no duplicate planning job is left behind).
    await waitFor(
      'the plan queue empty',
      async () =>
        (await l.queue.getJobCountByTypes('waiting', 'prioritized', 'active', 'delayed')) === 0 ? true : undefined,
      10_000,
      50,
    );
  } finally {
    await worker.close();
  }
  return order;
}

const event = (id: string, extra: Partial<UpstreamEvent> = {}): UpstreamEvent => ({
  id,
  source: 'osv',
  ref: 'pkg:deb/debian/openssl',
  version: '1.0',
  firstSeenAt: 0,
  ...extra,
});
const mark = { suite: 'bookworm-security', sourcePackage: 'openssl', sourceVersion: '1.0' };

describe('the planning lane (real Redis and BullMQ)', () => {
  it('orders planning jobs: critical > high > medium > low > security without severity > plain update, FIFO within one', () => {
    expect(planningPriority(event('a', { severity: 'critical' }))).toBe(1);
    expect(planningPriority(event('a', { severity: 'low', advisory: 'CVE-1' }))).toBe(4);
    expect(planningPriority(event('a', { advisory: 'CVE-1' }))).toBe(PLANNING_PRIORITY.security);
    expect(planningPriority(event('a', { severity: 'none', advisory: 'CVE-1' }))).toBe(PLANNING_PRIORITY.security);
    expect(planningPriority(event('a', { security: mark }))).toBe(PLANNING_PRIORITY.security);
    // "none" is not a security severity: a plain update.
    expect(planningPriority(event('a', { severity: 'none' }))).toBe(PLANNING_PRIORITY.update);
    expect(planningPriority(event('a'))).toBe(PLANNING_PRIORITY.update);
  });

  it('a real worker plans security fixes first, by severity, and plain updates last (even one enqueued without a priority)', async () => {
    const l = newLane(100);
    const posted = [
      event('plain-1'),
      event('low', { severity: 'low', advisory: 'CVE-1' }),
      event('mark', { security: mark }),
      event('plain-2', { severity: 'none' }),
      event('critical', { severity: 'critical', advisory: 'CVE-2' }),
      event('advisory-only', { advisory: 'CVE-3' }),
      event('medium', { severity: 'medium', advisory: 'CVE-4' }),
      event('high', { severity: 'high', advisory: 'CVE-5' }),
    ];
    for (const e of posted) await l.lane.plan(e);
    // A replay or a soak re-plan: no priority given; BullMQ would take it first were it left unprioritized.
    await l.producer.enqueue(
      'event.upstream',
      { v: 1, eventId: 'replayed' },
      { jobId: upstreamEventJobId('replayed') },
    );
    expect(await drain(l, posted.length + 1)).toEqual([
      'critical',
      'high',
      'medium',
      'low',
      'mark',
      'advisory-only',
      'plain-1',
      'plain-2',
      'replayed',
    ]);
  });

  it("an advisory's events go on the lane a batch at a time: a critical event posted after it waits for one batch at most, and every event is planned once", async () => {
    const l = newLane(10);
    const advisory = Array.from({ length: 95 }, (_, i) =>
      event(`adv-${String(i).padStart(3, '0')}`, { severity: 'critical', advisory: 'CVE-BIG' }),
    );
    const first = await l.lane.planAll(advisory);
    expect(first.jobIds).toHaveLength(10);
    expect(first.next).toBe(`planning-batch.${first.next?.split('.')[1]}.10`);
    // Posted again (a retried request, a replayed feed): nothing more on the lane.
    expect(await l.lane.planAll([...advisory].reverse())).toEqual(first);
    await l.lane.plan(event('late-critical', { severity: 'critical', advisory: 'CVE-OTHER' }));
    expect(await l.queue.getJobCountByTypes('prioritized')).toBe(12);

    const order = await drain(l, 96);
    expect(order.indexOf('late-critical')).toBeLessThanOrEqual(10);
    expect(order.filter((id) => id !== 'late-critical').sort()).toEqual(advisory.map((e) => e.id));
    expect(new Set(order).size).toBe(96);
    // The batch list is gone once its last batch is on the lane.
    expect((await l.redis.scan('0', 'MATCH', `${l.prefix}:planning-batch:*`, 'COUNT', 10_000))[1]).toEqual([]);
  });

  it('holds an advisory of 20,000 events in one batch list, one batch on the lane', async () => {
    const l = newLane(100);
    const huge = Array.from({ length: 20_000 }, (_, i) =>
      event(`huge-${i}`, { severity: 'high', advisory: 'CVE-HUGE' }),
    );
    const first = await l.lane.planAll(huge);
    expect(first.jobIds).toHaveLength(100);
    expect(await l.queue.getJobCountByTypes('prioritized')).toBe(101);
    const batch = first.next?.split('.')[1] ?? '';
    expect(await l.redis.llen(`${l.prefix}:planning-batch:${batch}`)).toBe(20_000);
    expect(await l.redis.lindex(`${l.prefix}:planning-batch:${batch}`, 19_999)).toBe(`2|huge-19999`);
  });

  it('most severe first within an advisory; a continuation run twice (a crash before it completed) plans nothing twice', async () => {
    const l = newLane(3);
    const events = [
      ...Array.from({ length: 4 }, (_, i) => event(`low-${i}`, { severity: 'low', advisory: 'CVE-MIX' })),
      ...Array.from({ length: 4 }, (_, i) => event(`high-${i}`, { severity: 'high', advisory: 'CVE-MIX' })),
    ];
    const first = await l.lane.planAll(events);
    const batch = first.next?.split('.')[1] ?? '';
    // The continuation job's body, run twice before the job is processed: the same ids, no new jobs.
    const again = await l.lane.continueBatch(batch, 3);
    expect(await l.lane.continueBatch(batch, 3)).toEqual(again);
    const order = await drain(l, 8);
    expect(order).toEqual(['high-0', 'high-1', 'high-2', 'high-3', 'low-0', 'low-1', 'low-2', 'low-3']);
  });
});
