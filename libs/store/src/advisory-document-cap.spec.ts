import { Redis } from 'ioredis';
import type { OsvAdvisory } from '@patch-factory/contracts';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { AdvisoryRepository } from './advisory.repository';

// Issue 14, bounded work: the advisory documents the scan stage reads are capped
// (PF_ADVISORY_DOCUMENTS_MAX): beyond the cap, those modified longest ago are dropped. Real Redis.

const osv = (id: string, modified: string): OsvAdvisory => ({
  id,
  modified,
  affected: [
    {
      package: { ecosystem: 'Debian:12', name: 'tzdata' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2099a-1' }] }],
    },
  ],
});
const FEED = { source: 'osv_feed:debian' };
const day = (n: number): string => new Date(Date.UTC(2026, 0, 1 + n)).toISOString();

describe('AdvisoryRepository keeps at most PF_ADVISORY_DOCUMENTS_MAX documents (real Redis)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });
  const ids = async (repo: AdvisoryRepository): Promise<string[]> => {
    const out: string[] = [];
    for await (const d of repo.documents()) out.push(d.id);
    return out.sort();
  };

  it('drops the documents modified longest ago beyond the cap, never the one just stored', async () => {
    const repo = new AdvisoryRepository(redis, prefix, 3);
    await repo.saveDocument(osv('CVE-B', day(2)), FEED);
    await repo.saveDocument(osv('CVE-A', day(1)), FEED);
    await repo.saveDocument(osv('CVE-C', day(3)), FEED);
    expect(await ids(repo)).toEqual(['CVE-A', 'CVE-B', 'CVE-C']);
    // A fourth: the one modified longest ago (A) goes.
    expect(await repo.saveDocument(osv('CVE-D', day(4)), FEED)).toBe(true);
    expect(await ids(repo)).toEqual(['CVE-B', 'CVE-C', 'CVE-D']);
    // An update moves a document up: B modified now is newer than C and D.
    expect(await repo.saveDocument(osv('CVE-B', day(5)), FEED)).toBe(true);
    await repo.saveDocument(osv('CVE-E', day(6)), FEED);
    expect(await ids(repo)).toEqual(['CVE-B', 'CVE-D', 'CVE-E']);
    // An old document stored now is kept (it was just stored); the oldest other one goes.
    expect(await repo.saveDocument(osv('CVE-OLD', day(0)), FEED)).toBe(true);
    expect(await ids(repo)).toEqual(['CVE-B', 'CVE-E', 'CVE-OLD']);
    // Saving again what is stored (not newer) changes nothing.
    expect(await repo.saveDocument(osv('CVE-E', day(6)), FEED)).toBe(false);
    expect(await ids(repo)).toEqual(['CVE-B', 'CVE-E', 'CVE-OLD']);
    expect(await redis.zcard(`${prefix}:{store}:advisory-documents:by-modified`)).toBe(3);
  });
});
