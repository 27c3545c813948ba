import { Redis } from 'ioredis';
import type { OsvAdvisory } from '@patch-factory/contracts';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import {
  AdvisoryDocumentRefusedError,
  AdvisoryDocumentTooLargeError,
  AdvisoryFromTheFutureError,
  AdvisoryOwnedByFeedError,
  MAX_ADVISORY_CLOCK_SKEW_MS,
  saveAdvisoryDocument,
} from './advisory-documents';
import { AdvisoryRepository } from './advisory.repository';

const osv = (id: string, modified: string, summary = 'a flaw'): OsvAdvisory => ({
  id,
  modified,
  summary,
  affected: [
    {
      package: { ecosystem: 'Debian:12', name: 'tzdata' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2099a-1' }] }],
    },
  ],
});

const FEED = { source: 'osv_feed:debian' };
const OTHER_FEED = { source: 'debian_tracker:bookworm' };
const API = { source: 'api' };
const ADMIN = { source: 'api', admin: true };

const all = async (repo: AdvisoryRepository, batch?: number): Promise<OsvAdvisory[]> => {
  const out: OsvAdvisory[] = [];
  for await (const doc of repo.documents(batch)) out.push(doc);
  return out.sort((a, b) => a.id.localeCompare(b.id));
};

describe('AdvisoryRepository documents (real Redis)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const repo = new AdvisoryRepository(redis, prefix);
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  it('keeps the newest OSV document and the first metadata', async () => {
    const first = await repo.record(osv('CVE-2099-1000', '2026-01-01T00:00:00Z', 'first'), 1_000, FEED);
    expect(first).toMatchObject({ id: 'CVE-2099-1000', modified: '2026-01-01T00:00:00Z', fixAvailableAt: 1_000 });
    // Newer (another spelling of the time zone too): the document is replaced, the metadata is not.
    const again = await repo.record(osv('CVE-2099-1000', '2026-02-01T00:00:00.000+00:00', 'newer'), 2_000, FEED);
    expect(again).toEqual(first);
    expect((await all(repo)).map((d) => [d.id, d.summary])).toEqual([['CVE-2099-1000', 'newer']]);
    // Older or as old: kept out.
    expect(await repo.saveDocument(osv('CVE-2099-1000', '2026-01-15T00:00:00Z', 'older'), FEED)).toBe(false);
    expect(await repo.saveDocument(osv('CVE-2099-1000', '2026-02-01T00:00:00Z', 'same'), FEED)).toBe(false);
    expect((await all(repo)).map((d) => d.summary)).toEqual(['newer']);
    expect(await repo.saveDocument(osv('CVE-2099-1000', '2026-03-01T00:00:00Z', 'newest'), FEED)).toBe(true);
    expect((await all(repo))[0]).toEqual(osv('CVE-2099-1000', '2026-03-01T00:00:00Z', 'newest'));
  });

  it('lists every stored document, in small batches', async () => {
    for (let i = 0; i < 25; i++)
      await repo.saveDocument(osv(`CVE-2099-2${String(i).padStart(3, '0')}`, '2026-01-01T00:00:00Z'), API);
    const docs = await all(repo, 4);
    expect(docs).toHaveLength(26);
    expect(new Set(docs.map((d) => d.id)).size).toBe(26);
  });

  it('refuses a document larger than 1 MiB, naming it, and writes nothing', async () => {
    const big = { ...osv('CVE-2099-3000', '2026-01-01T00:00:00Z'), summary: 'x'.repeat(1024 * 1024) };
    await expect(repo.record(big, 3_000, FEED)).rejects.toThrow(AdvisoryDocumentTooLargeError);
    await expect(repo.saveDocument(big, API)).rejects.toThrow(
      /advisory CVE-2099-3000: its OSV document is \d+ bytes, more than 1048576/,
    );
    expect(await repo.get('CVE-2099-3000')).toBeUndefined();
    expect((await all(repo)).some((d) => d.id === 'CVE-2099-3000')).toBe(false);
  });

  it('refuses a document modified in the future beyond the clock skew (it would pin itself), and writes nothing', async () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    const poisoned = osv('CVE-2099-4000', '9999-12-31T23:59:59Z');
    await expect(repo.record(poisoned, 4_000, FEED)).rejects.toThrow(AdvisoryFromTheFutureError);
    await expect(repo.record(poisoned, 4_000, FEED)).rejects.toThrow(AdvisoryDocumentRefusedError);
    expect(await repo.get('CVE-2099-4000')).toBeUndefined();
    expect((await all(repo)).some((d) => d.id === 'CVE-2099-4000')).toBe(false);
    // The store's own clock decides; a few minutes ahead is a clock difference, accepted.
    await expect(
      saveAdvisoryDocument(
        redis,
        `${prefix}:{advisory}:skew-test`,
        osv('CVE-2099-4001', new Date(now + MAX_ADVISORY_CLOCK_SKEW_MS).toISOString()),
        FEED,
        now,
      ),
    ).resolves.toBe(true);
    await expect(
      saveAdvisoryDocument(
        redis,
        `${prefix}:{advisory}:skew-test`,
        osv('CVE-2099-4002', new Date(now + MAX_ADVISORY_CLOCK_SKEW_MS + 1_000).toISOString()),
        FEED,
        now,
      ),
    ).rejects.toThrow(/modified "2026-12-07T12:05:01\.000Z" is in the future/);
  });

  it('keeps documents per source: an API document never replaces a feed one (without admin), and nothing is written', async () => {
    const id = 'CVE-2099-5000';
    expect(await repo.saveDocument(osv(id, '2026-01-01T00:00:00Z', 'from the feed'), FEED)).toBe(true);
    const refused = repo.saveDocument(osv(id, '2026-06-01T00:00:00Z', 'forged'), API);
    await expect(refused).rejects.toThrow(AdvisoryOwnedByFeedError);
    await expect(repo.saveDocument(osv(id, '2026-06-01T00:00:00Z', 'forged'), API)).rejects.toThrow(
      /advisory CVE-2099-5000: its stored document comes from the feed "osv_feed:debian"/,
    );
    await expect(repo.saveDocument(osv(id, '2026-06-01T00:00:00Z', 'forged'), API)).rejects.toMatchObject({
      code: 'advisory-owned-by-feed',
      feed: 'osv_feed:debian',
    });
    expect(await repo.document(id)).toEqual({
      osv: osv(id, '2026-01-01T00:00:00Z', 'from the feed'),
      source: 'osv_feed:debian',
    });
    // Within the feed, and between feeds, the newest modified wins as before.
    expect(await repo.saveDocument(osv(id, '2026-02-01T00:00:00Z', 'feed update'), FEED)).toBe(true);
    expect(await repo.saveDocument(osv(id, '2026-01-15T00:00:00Z', 'other feed, older'), OTHER_FEED)).toBe(false);
    expect(await repo.saveDocument(osv(id, '2026-03-01T00:00:00Z', 'other feed, newer'), OTHER_FEED)).toBe(true);
    expect((await repo.document(id))?.source).toBe('debian_tracker:bookworm');
    // An admin may replace a feed's document (newest still wins).
    expect(await repo.saveDocument(osv(id, '2026-02-15T00:00:00Z', 'admin, older'), ADMIN)).toBe(false);
    expect(await repo.saveDocument(osv(id, '2026-04-01T00:00:00Z', 'admin correction'), ADMIN)).toBe(true);
    expect(await repo.document(id)).toMatchObject({ osv: { summary: 'admin correction' }, source: 'api' });
    // A feed's document older than the admin's correction does not undo it; a newer one does, and owns it again.
    expect(await repo.saveDocument(osv(id, '2026-03-15T00:00:00Z', 'feed, older than the correction'), FEED)).toBe(
      false,
    );
    expect(await repo.saveDocument(osv(id, '2026-05-01T00:00:00Z', 'feed, newer'), FEED)).toBe(true);
    await expect(repo.saveDocument(osv(id, '2026-06-01T00:00:00Z', 'forged'), API)).rejects.toThrow(
      AdvisoryOwnedByFeedError,
    );
  });

  it('lets a feed replace what the API stored without admin, even with an earlier modified (the API cannot pre-empt a feed)', async () => {
    const id = 'CVE-2099-5001';
    expect(await repo.saveDocument(osv(id, '2026-06-01T00:00:00Z', 'posted first'), API)).toBe(true);
    expect(await repo.saveDocument(osv(id, '2026-05-01T00:00:00Z', 'posted older'), API)).toBe(false);
    expect(await repo.saveDocument(osv(id, '2026-01-01T00:00:00Z', 'the real one'), FEED)).toBe(true);
    expect(await repo.document(id)).toMatchObject({ osv: { summary: 'the real one' }, source: 'osv_feed:debian' });
    await expect(repo.saveDocument(osv(id, '2026-07-01T00:00:00Z', 'again'), API)).rejects.toThrow(
      AdvisoryOwnedByFeedError,
    );
  });

  it("treats a document stored before sources were kept as nobody's: the newest wins", async () => {
    const id = 'CVE-2099-5002';
    await redis.hset(
      `${prefix}:{store}:advisory-documents`,
      id,
      JSON.stringify({
        modifiedMs: Date.parse('2026-01-01T00:00:00Z'),
        osv: osv(id, '2026-01-01T00:00:00Z', 'legacy'),
      }),
    );
    expect(await repo.saveDocument(osv(id, '2025-12-01T00:00:00Z', 'older'), API)).toBe(false);
    expect(await repo.saveDocument(osv(id, '2026-02-01T00:00:00Z', 'newer'), API)).toBe(true);
  });
});
