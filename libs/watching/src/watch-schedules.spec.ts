import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { QueueName } from '@patch-factory/contracts';
import { JOB_OPTIONS } from '@patch-factory/pipeline';
import { JobProducer, bullJobOptions } from '@patch-factory/queue';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { maxJitterMs, schedulerIdOf, WatchSchedules } from './watch-schedules';
import { WatchTargetSchema } from '@patch-factory/sources';

/** The watch schedulers on real Redis and BullMQ (a prefix per test file). */
describe('WatchSchedules', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  const producer = new JobProducer(
    redis,
    { PF_PREFIX: prefix } as never,
    { service: 'test', owns: [], jobOptions: JOB_OPTIONS } as never,
  );
  const queue = new Queue(QueueName.watch, { connection: redis, prefix });
  const template = bullJobOptions(JOB_OPTIONS['watch.poll'], 1000);
  afterAll(async () => {
    await producer.onApplicationShutdown();
    await queue.close();
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });
  const target = (key: string, intervalMs = 600_000) =>
    WatchTargetSchema.parse({ key, kind: 'git_tags', ref: key, config: {}, intervalMs });
  const schedulerIds = async () => (await queue.getJobSchedulers(0, -1, true)).map((s) => s.key).sort();

  it('removes at boot the schedulers of targets that left the configuration, keeps the others and leaves foreign schedulers alone', async () => {
    const before = new WatchSchedules(producer, template);
    await before.sync([target('git_tags:a'), target('git_tags:b'), target('git_tags:c')]);
    await queue.upsertJobScheduler('nightly-report', { every: 86_400_000 }, { name: 'other' });
    // An older watcher's scheduler under an id of the old naming.
    await queue.upsertJobScheduler(
      'watch.git_tags.z',
      { every: 60_000 },
      { name: 'watch.poll', data: { v: 1, target: 'git_tags:z' } },
    );
    expect(await schedulerIds()).toHaveLength(5);

    const after = await new WatchSchedules(producer, template).sync([
      target('git_tags:a'),
      target('git_tags:c', 120_000),
      target('git_tags:d'),
    ]);
    expect(after.added.sort()).toEqual(['git_tags:c', 'git_tags:d']); // c's interval changed
    expect(after.removed.sort()).toEqual([schedulerIdOf('git_tags:b'), 'watch.git_tags.z'].sort());
    expect(await schedulerIds()).toEqual(
      [schedulerIdOf('git_tags:a'), schedulerIdOf('git_tags:c'), schedulerIdOf('git_tags:d'), 'nightly-report'].sort(),
    );
    expect((await queue.getJobScheduler(schedulerIdOf('git_tags:c')))?.every).toBe(120_000);
    // Their pending ticks went with them.
    const pending = await queue.getJobs(['delayed', 'waiting', 'prioritized']);
    expect(
      pending
        .filter((j) => ['git_tags:b', 'git_tags:z'].includes((j.data as { target?: string }).target ?? ''))
        .map((j) => j.id),
    ).toEqual([]);
    // Nothing to do the second time.
    expect(
      await new WatchSchedules(producer, template).sync([
        target('git_tags:a'),
        target('git_tags:c', 120_000),
        target('git_tags:d'),
      ]),
    ).toEqual({ added: [], removed: [] });
  });

  it('gives each poll its own jitter: one tick after another of the same target is delayed differently', async () => {
    const draws = [0.1, 0.7];
    const schedules = new WatchSchedules(producer, template, () => draws.shift() ?? 0);
    const t = target('git_tags:jitter', 400_000);
    await schedules.sync([t]);
    const tick = (await queue.getJobs(['delayed', 'waiting', 'prioritized'])).find(
      (j) => j.repeatJobKey === schedulerIdOf(t.key),
    );
    expect(tick?.id).toBeDefined();
    const first = await schedules.jitter(tick?.id ?? '', t);
    const second = await schedules.jitter(`repeat:${schedulerIdOf(t.key)}:${Date.now() + t.intervalMs}`, t);
    expect([first, second]).toEqual([
      Math.floor(0.1 * maxJitterMs(t.intervalMs)),
      Math.floor(0.7 * maxJitterMs(t.intervalMs)),
    ]);
    const polls = (await queue.getJobs(['delayed'])).filter(
      (j) => j.repeatJobKey === undefined && (j.data as { target: string }).target === t.key,
    );
    expect(polls.map((j) => j.opts.delay).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([first, second]);
    // The same tick handled twice (BullMQ is at-least-once) is one poll.
    await schedules.jitter(tick?.id ?? '', t);
    expect(
      (await queue.getJobs(['delayed'])).filter(
        (j) => j.repeatJobKey === undefined && (j.data as { target: string }).target === t.key,
      ),
    ).toHaveLength(2);
  });
});
