import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { QueueName, upstreamEventJobId } from '@patch-factory/contracts';
import { JOB_OPTIONS } from '@patch-factory/pipeline';
import { JobProducer } from '@patch-factory/queue';
import type { Observation, PollResult } from '@patch-factory/sources';
import { PatchRequestRepository, WatchStateRepository } from '@patch-factory/store';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { WatchPoller, watchEventId, type PollFn } from './watch-poller';
import { WatchTargetSchema } from './watch-target.schema';

/**
 * The poller's exactly-once rules on real Redis and BullMQ. The source is a function that
 * reports what a test decides (the sources themselves are tested in libs/sources).
 */
describe('WatchPoller', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  const producer = new JobProducer(redis, { PF_PREFIX: prefix } as never, { service: 'test', owns: [], jobOptions: JOB_OPTIONS } as never);
  const state = new WatchStateRepository(redis, prefix);
  const events = new PatchRequestRepository(redis, prefix);
  const queue = new Queue(QueueName.plan, { connection: redis, prefix });
  afterAll(async () => {
    await producer.onApplicationShutdown();
    await queue.close();
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  const target = (key: string, extra: Record<string, unknown> = {}) => WatchTargetSchema.parse({ key, kind: 'git_tags', ref: 'example/tool', config: {}, ...extra });
  const reporting = (versions: string[], rejected: PollResult['rejected'] = []): PollFn => () =>
    Promise.resolve({ observations: versions.map((version): Observation => ({ ref: 'example/tool', version, vars: {} })), state: { etag: 'W/"1"' }, notModified: 0, rejected });
  const signal = new AbortController().signal;

  it('plans only the newest version on a first poll, then only newer ones, each once', async () => {
    const t = target('git_tags:example/tool');
    const first = await new WatchPoller(reporting(['v1.0.0', 'v1.2.0', 'v1.10.0', 'v1.9.3']), state, events, producer).pollTarget(t, signal);
    expect(first.emitted.map((e) => e.version)).toEqual(['v1.10.0']);
    const again = await new WatchPoller(reporting(['v1.0.0', 'v1.10.0']), state, events, producer).pollTarget(t, signal);
    expect(again.emitted).toEqual([]);
    const next = await new WatchPoller(reporting(['v1.10.0', 'v1.11.0', 'v2.0.0']), state, events, producer).pollTarget(t, signal);
    expect(next.emitted.map((e) => e.version).sort()).toEqual(['v1.11.0', 'v2.0.0']);
    const event = next.emitted.find((e) => e.version === 'v2.0.0');
    expect(event).toMatchObject({ source: 'git-tags', ref: 'example/tool' });
    expect(await queue.getJob(upstreamEventJobId(event?.id ?? ''))).toBeDefined();
    expect(await state.state(t.key)).toMatchObject({ etag: 'W/"1"', 'pf:newest': 'v2.0.0' });
  });

  it('two replicas that see the same release at once record one event', async () => {
    const t = target('git_tags:example/replicas');
    const [a, b] = await Promise.all([
      new WatchPoller(reporting(['3.1.0']), state, events, producer).pollTarget(t, signal),
      new WatchPoller(reporting(['3.1.0']), state, events, producer).pollTarget(t, signal),
    ]);
    expect(a.emitted.length + b.emitted.length).toBe(1);
    expect(a.known + b.known).toBe(1);
    expect((await queue.getJobs(['waiting', 'delayed'])).filter((j) => (j.data as { eventId: string }).eventId.includes('replicas'))).toHaveLength(1);
  });

  it('a watcher killed mid-poll loses nothing: the next poll re-plans what was recorded but not queued', async () => {
    const t = target('git_tags:example/killed');
    const dying = new JobProducer(redis, { PF_PREFIX: prefix } as never, { service: 'test', owns: [], jobOptions: JOB_OPTIONS } as never);
    dying.enqueue = () => Promise.reject(new Error('killed')); // the process dies between recording and queueing
    await expect(new WatchPoller(reporting(['5.0.0']), state, events, dying).pollTarget(t, signal)).rejects.toThrow('killed');
    expect(await state.state(t.key)).toEqual({}); // nothing saved: the next poll sees 5.0.0 again
    const restarted = await new WatchPoller(reporting(['5.0.0']), state, events, producer).pollTarget(t, signal);
    expect(restarted.known).toBe(1);
    expect(await queue.getJob(upstreamEventJobId(watchEventId(t.key, '5.0.0')))).toBeDefined();
  });

  it('holds a version back until it has soaked (minimum release age)', async () => {
    const t = target('git_tags:example/soak', { minReleaseAgeMs: 3_600_000 });
    const report = await new WatchPoller(reporting(['1.0.0']), state, events, producer).pollTarget(t, signal);
    const job = await queue.getJob(upstreamEventJobId(report.emitted[0]?.id ?? ''));
    expect(await job?.getState()).toBe('delayed');
  });

  it('quarantines hostile versions with a reason and keeps going', async () => {
    const t = target('git_tags:example/hostile');
    const sourceRejects: PollResult['rejected'] = [{ value: 'v\\u001b[31m', reason: 'control-character' }];
    const report = await new WatchPoller(reporting([`9.${'9'.repeat(10_000)}`], sourceRejects), state, events, producer).pollTarget(t, signal);
    expect(report.emitted).toEqual([]);
    expect(report.rejected.map((r) => r.reason)).toEqual(['control-character', expect.stringContaining('version') as unknown]);
    const after = await new WatchPoller(reporting(['9.1.0']), state, events, producer).pollTarget(target('git_tags:example/hostile-2'), signal);
    expect(after.emitted.map((e) => e.version)).toEqual(['9.1.0']);
  });
});
