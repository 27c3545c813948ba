import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { QueueName, upstreamEventJobId } from '@patch-factory/contracts';
import { JOB_OPTIONS } from '@patch-factory/pipeline';
import { JobProducer } from '@patch-factory/queue';
import { WatchTargetSchema, type Observation, type PollResult } from '@patch-factory/sources';
import { PatchRequestRepository, WatchStateRepository } from '@patch-factory/store';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { WatchPoller, watchEventId, type PollFn } from './watch-poller';

/**
 * The poller's exactly-once rules on real Redis and BullMQ. The source is a function that
 * reports what a test decides (the sources themselves are tested in libs/sources).
 */
describe('WatchPoller', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  const producer = new JobProducer(
    redis,
    { PF_PREFIX: prefix } as never,
    { service: 'test', owns: [], jobOptions: JOB_OPTIONS } as never,
  );
  const state = new WatchStateRepository(redis, prefix);
  const events = new PatchRequestRepository(redis, prefix);
  const queue = new Queue(QueueName.plan, { connection: redis, prefix });
  afterAll(async () => {
    await producer.onApplicationShutdown();
    await queue.close();
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  const target = (key: string, extra: Record<string, unknown> = {}) =>
    WatchTargetSchema.parse({ key, kind: 'git_tags', ref: 'example/tool', config: {}, ...extra });
  const reporting =
    (versions: string[], rejected: PollResult['rejected'] = []): PollFn =>
    () =>
      Promise.resolve({
        observations: versions.map((version): Observation => ({ ref: 'example/tool', version, vars: {} })),
        state: { etag: 'W/"1"' },
        notModified: 0,
        rejected,
      });
  const signal = new AbortController().signal;

  it('plans only the newest version on a first poll, then only newer ones, each once', async () => {
    const t = target('git_tags:example/tool');
    const first = await new WatchPoller(
      reporting(['v1.0.0', 'v1.2.0', 'v1.10.0', 'v1.9.3']),
      state,
      events,
      producer,
    ).pollTarget(t, signal);
    expect(first.emitted.map((e) => e.version)).toEqual(['v1.10.0']);
    const again = await new WatchPoller(reporting(['v1.0.0', 'v1.10.0']), state, events, producer).pollTarget(
      t,
      signal,
    );
    expect(again.emitted).toEqual([]);
    const next = await new WatchPoller(reporting(['v1.10.0', 'v1.11.0', 'v2.0.0']), state, events, producer).pollTarget(
      t,
      signal,
    );
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
    expect(
      (await queue.getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) =>
        (j.data as { eventId: string }).eventId.includes('replicas'),
      ),
    ).toHaveLength(1);
  });

  it('a watcher killed mid-poll loses nothing: the next poll re-plans what was recorded but not queued', async () => {
    const t = target('git_tags:example/killed');
    const dying = new JobProducer(
      redis,
      { PF_PREFIX: prefix } as never,
      { service: 'test', owns: [], jobOptions: JOB_OPTIONS } as never,
    );
    dying.enqueue = () => Promise.reject(new Error('killed')); // the process dies between recording and queueing
    await expect(new WatchPoller(reporting(['5.0.0']), state, events, dying).pollTarget(t, signal)).rejects.toThrow(
      'killed',
    );
    expect(await state.state(t.key)).toEqual({}); // nothing saved: the next poll sees 5.0.0 again
    const restarted = await new WatchPoller(reporting(['5.0.0']), state, events, producer).pollTarget(t, signal);
    expect(restarted.known).toBe(1);
    expect(await queue.getJob(upstreamEventJobId(watchEventId(t.key, '5.0.0')))).toBeDefined();
  });

  it("holds nothing back itself: the planner's soak rules are the one soak mechanism, and a target cannot set its own", async () => {
    const t = target('git_tags:example/soak');
    const report = await new WatchPoller(reporting(['1.0.0']), state, events, producer).pollTarget(t, signal);
    const job = await queue.getJob(upstreamEventJobId(report.emitted[0]?.id ?? ''));
    // Not delayed: on the planning lane at once (a plain update's priority, behind security events).
    expect(await job?.getState()).toBe('prioritized');
    expect(() => target('git_tags:example/soak', { minReleaseAgeMs: 3_600_000 })).toThrow(/soak/);
  });

  it('decides newest-seen in dpkg order for a Debian package: 1.0-1 is newer than 1.0~rc1-1', async () => {
    const t = target('debian_package:pkg:deb/debian/tool', { kind: 'debian_package', ref: 'pkg:deb/debian/tool' });
    const first = await new WatchPoller(reporting(['1.0~rc1-1']), state, events, producer).pollTarget(t, signal);
    expect(first.emitted.map((e) => e.version)).toEqual(['1.0~rc1-1']);
    const next = await new WatchPoller(reporting(['1.0-1']), state, events, producer).pollTarget(t, signal);
    expect(next.emitted.map((e) => e.version)).toEqual(['1.0-1']);
    expect(await state.state(t.key)).toMatchObject({ 'pf:newest': '1.0-1' });
    // And back again is older: nothing planned, newest-seen kept.
    const older = await new WatchPoller(reporting(['1.0~rc2-1', '0.9-1']), state, events, producer).pollTarget(
      t,
      signal,
    );
    expect(older.emitted).toEqual([]);
    expect(await state.state(t.key)).toMatchObject({ 'pf:newest': '1.0-1' });
  });

  it('decides newest-seen in apk order for an Alpine package: 1.2.3-r0 is newer than 1.2.3_rc1-r0', async () => {
    const t = target('alpine_package:pkg:apk/alpine/tool', { kind: 'alpine_package', ref: 'pkg:apk/alpine/tool' });
    await new WatchPoller(reporting(['1.2.3_rc1-r0']), state, events, producer).pollTarget(t, signal);
    const next = await new WatchPoller(reporting(['1.2.3-r0']), state, events, producer).pollTarget(t, signal);
    expect(next.emitted.map((e) => e.version)).toEqual(['1.2.3-r0']);
    expect(await state.state(t.key)).toMatchObject({ 'pf:newest': '1.2.3-r0' });
  });

  it('decides newest-seen in tag order for release tags: v2.0.0 is newer than v2.0.0-rc1', async () => {
    const t = target('git_tags:example/prerelease');
    await new WatchPoller(reporting(['v2.0.0-rc1']), state, events, producer).pollTarget(t, signal);
    const next = await new WatchPoller(reporting(['v2.0.0-rc1', 'v2.0.0']), state, events, producer).pollTarget(
      t,
      signal,
    );
    expect(next.emitted.map((e) => e.version)).toEqual(['v2.0.0']);
  });

  it('a value the screen rejects never becomes newest-seen, so later real releases are still planned', async () => {
    const t = target('git_tags:example/poison');
    await new WatchPoller(reporting(['1.0.0']), state, events, producer).pollTarget(t, signal);
    const poisoned = await new WatchPoller(
      reporting(['99999999999.0 ; rm', `9.${'9'.repeat(300)}`, '1.1.0']),
      state,
      events,
      producer,
    ).pollTarget(t, signal);
    expect(poisoned.emitted.map((e) => e.version)).toEqual(['1.1.0']);
    expect(poisoned.rejected.map((r) => r.reason)).toEqual(['unsafe-characters', 'too-long']);
    expect(await state.state(t.key)).toMatchObject({ 'pf:newest': '1.1.0' });
    const deb = target('debian_package:pkg:deb/debian/poison', {
      kind: 'debian_package',
      ref: 'pkg:deb/debian/poison',
    });
    const notDpkg = await new WatchPoller(reporting(['v99', '2.0-1']), state, events, producer).pollTarget(deb, signal);
    expect(notDpkg.emitted.map((e) => e.version)).toEqual(['2.0-1']);
    expect(notDpkg.rejected).toEqual([
      { value: 'v99', reason: expect.stringContaining('is not a Debian version') as unknown },
    ]);
    const next = await new WatchPoller(reporting(['2.1-1']), state, events, producer).pollTarget(deb, signal);
    expect(next.emitted.map((e) => e.version)).toEqual(['2.1-1']);
  });

  it('carries the variables the track sets (tag, commit) in the event, and refuses a value no definition could hold', async () => {
    const t = target('git_tags:example/vars');
    const commit = 'a'.repeat(40);
    const poll =
      (vars: Record<string, string>, version: string): PollFn =>
      () =>
        Promise.resolve({
          observations: [{ ref: 'example/tool', version, commit, vars }],
          state: {},
          notModified: 0,
          rejected: [],
        });
    const report = await new WatchPoller(
      poll({ VERSION: 'v3.0.0', COMMIT_SHA: commit }, '3.0.0'),
      state,
      events,
      producer,
    ).pollTarget(t, signal);
    expect(report.emitted[0]?.vars).toEqual({ VERSION: 'v3.0.0', COMMIT_SHA: commit });
    expect((await events.getEvent(report.emitted[0]?.id ?? ''))?.vars).toEqual({
      VERSION: 'v3.0.0',
      COMMIT_SHA: commit,
    });
    const hostile = await new WatchPoller(poll({ VERSION: '../../etc' }, '3.1.0'), state, events, producer).pollTarget(
      t,
      signal,
    );
    expect(hostile.emitted).toEqual([]);
    expect(hostile.rejected).toEqual([
      {
        value: '3.1.0',
        reason: expect.stringMatching(/VERSION .*"\.\.\/\.\.\/etc" holds a "\.\." path segment/) as unknown,
      },
    ]);
    expect(await state.state(t.key)).toMatchObject({ 'pf:newest': '3.0.0' });
  });

  it('quarantines hostile versions with a reason and keeps going', async () => {
    const t = target('git_tags:example/hostile');
    const sourceRejects: PollResult['rejected'] = [{ value: 'v\\u001b[31m', reason: 'control-character' }];
    const report = await new WatchPoller(
      reporting([`9.${'9'.repeat(10_000)}`], sourceRejects),
      state,
      events,
      producer,
    ).pollTarget(t, signal);
    expect(report.emitted).toEqual([]);
    expect(report.rejected.map((r) => r.reason)).toEqual(['control-character', 'too-long']);
    const after = await new WatchPoller(reporting(['9.1.0']), state, events, producer).pollTarget(
      target('git_tags:example/hostile-2'),
      signal,
    );
    expect(after.emitted.map((e) => e.version)).toEqual(['9.1.0']);
  });
});
