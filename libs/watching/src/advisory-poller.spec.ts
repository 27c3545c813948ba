import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { OsvAdvisorySchema, QueueName, upstreamEventId, upstreamEventJobId } from '@patch-factory/contracts';
import { JOB_OPTIONS } from '@patch-factory/pipeline';
import { JobProducer } from '@patch-factory/queue';
import { AdvisoryRepository, PatchRequestRepository, WatchStateRepository } from '@patch-factory/store';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { AdvisoryPoller, type FeedFn } from './advisory-poller';
import { WatchTargetSchema } from '@patch-factory/sources';

describe('AdvisoryPoller (real Redis and BullMQ)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  const producer = new JobProducer(
    redis,
    { PF_PREFIX: prefix } as never,
    { service: 'test', owns: [], jobOptions: JOB_OPTIONS } as never,
  );
  const state = new WatchStateRepository(redis, prefix);
  const events = new PatchRequestRepository(redis, prefix);
  const advisories = new AdvisoryRepository(redis, prefix);
  const queue = new Queue(QueueName.plan, { connection: redis, prefix });
  afterAll(async () => {
    await producer.onApplicationShutdown();
    await queue.close();
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  const osv = OsvAdvisorySchema.parse({
    id: 'CVE-2026-2000',
    aliases: ['DSA-9999-1'],
    published: '2026-11-20T00:00:00Z',
    modified: '2026-11-21T00:00:00Z',
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'openssl' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.17-1~deb12u3' }] }],
        database_specific: { severity: 'high' },
      },
    ],
  });
  const feed: FeedFn = () =>
    Promise.resolve({ advisories: [osv], rejected: [], state: { etag: '"1"' }, notModified: 0 });
  const target = WatchTargetSchema.parse({ key: 'osv:debian', kind: 'osv', ref: 'osv', config: {} });

  it('records the advisory for the SLA engine once and plans each fixed package version once', async () => {
    let now = 1_000;
    const poller = new AdvisoryPoller(feed, state, events, advisories, producer, () => now);
    const first = await poller.pollTarget(target, new AbortController().signal);
    expect(first.emitted).toEqual([
      // The id is the advisory's, from this feed (its target key): an API caller cannot take it.
      {
        id: upstreamEventId(
          { kind: 'advisory', advisory: 'CVE-2026-2000', from: 'osv:debian' },
          { source: 'osv', ref: 'pkg:deb/debian/openssl', version: '3.0.17-1~deb12u3' },
        ),
        source: 'osv',
        ref: 'pkg:deb/debian/openssl',
        version: '3.0.17-1~deb12u3',
        advisory: 'CVE-2026-2000',
        severity: 'high',
        firstSeenAt: 1_000,
      },
    ]);
    expect(await queue.getJob(upstreamEventJobId(first.emitted[0]?.id ?? ''))).toBeDefined();
    now = 5_000;
    const again = await poller.pollTarget(target, new AbortController().signal);
    expect(again).toMatchObject({ emitted: [], known: 1 });
    expect(await advisories.get('CVE-2026-2000')).toEqual({
      id: 'CVE-2026-2000',
      aliases: ['DSA-9999-1'],
      severity: 'high',
      published: '2026-11-20T00:00:00Z',
      modified: '2026-11-21T00:00:00Z',
      fixAvailableAt: 1_000,
    });
    expect(await state.state(target.key)).toEqual({ etag: '"1"' });
    // The OSV document is kept for the scan stage.
    const docs = [];
    for await (const doc of advisories.documents()) docs.push(doc);
    expect(docs).toEqual([osv]);
    // Stored as the feed's (its target key): an API document cannot replace it.
    expect((await advisories.document('CVE-2026-2000'))?.source).toBe('osv:debian');
  });

  it('rejects an advisory whose OSV document is too large to keep, and plans nothing for it', async () => {
    const big = { ...osv, id: 'CVE-2026-2001', summary: 'x'.repeat(1024 * 1024) };
    const read: FeedFn = () =>
      Promise.resolve({ advisories: [big], rejected: [], state: { etag: '"2"' }, notModified: 0 });
    const report = await new AdvisoryPoller(read, state, events, advisories, producer, () => 9_000).pollTarget(
      target,
      new AbortController().signal,
    );
    expect(report.emitted).toEqual([]);
    expect(report.rejected).toEqual([
      {
        value: 'CVE-2026-2001',
        reason: expect.stringMatching(
          /^advisory CVE-2026-2001: its OSV document is \d+ bytes, more than 1048576/,
        ) as unknown,
      },
    ]);
    expect(await advisories.get('CVE-2026-2001')).toBeUndefined();
    expect(await state.state(target.key)).toEqual({ etag: '"2"' });
  });
});
