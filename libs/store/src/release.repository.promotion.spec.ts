import { Redis } from 'ioredis';
import type { ImageEvent } from '@patch-factory/contracts';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { ReleaseRepository, type PromotionCommit } from './release.repository';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const REPO = 'examples/redis';

const event = (runId: string): ImageEvent => ({
  id: `${runId}:promote`,
  type: 'image.updated',
  repository: `127.0.0.1:5000/${REPO}`,
  digest: D2,
  tags: [{ tag: '7.0', digest: D2, previous: D1 }, { tag: '7', digest: D2 }],
  cvesFixed: [],
  runId,
  definition: 'image/redis/debian-12/7.0.yaml',
  at: 10,
});

const commitOf = (runId: string, tags: string[]): PromotionCommit => ({
  runId,
  repository: REPO,
  moves: tags.map((tag) => ({ tag, current: { digest: D2, runId, at: 10, runCreatedAt: 5, commit: 'c'.repeat(40) }, ...(tag === '7.0' ? { previous: D1 } : {}) })),
  event: event(runId),
  published: { definition: 'image/redis/debian-12/7.0.yaml', image: { digest: D2, runId, at: 10 } },
});

describe('ReleaseRepository: a promotion written once per run and tag (real Redis)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const repo = new ReleaseRepository(redis, prefix);
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  it('keeps the first plan of a run: a retry moves tags from where they were before its first attempt', async () => {
    expect(await repo.promotion('run-p')).toEqual({ recorded: [], done: false });
    const first = { repository: REPO, digest: D2, tags: [{ tag: '7.0', previous: D1 }, { tag: '7' }], at: 10 };
    expect(await repo.planPromotion('run-p', first)).toEqual(first);
    // The retry sees the tags at the new digest already; the recorded plan wins.
    expect(await repo.planPromotion('run-p', { ...first, tags: [{ tag: '7.0', previous: D2 }, { tag: '7', previous: D2 }], at: 20 })).toEqual(first);
    expect((await repo.promotion('run-p')).plan).toEqual(first);
  });

  it('writes each tag pointer and history entry once per (run, tag) and the event once, however often it is repeated', async () => {
    // A repetition of the writes, some of them concurrent, as retries after crashes would make them.
    const results = await Promise.all([repo.commitPromotion(commitOf('run-c', ['7.0'])), repo.commitPromotion(commitOf('run-c', ['7.0', '7'])), repo.commitPromotion(commitOf('run-c', ['7.0', '7']))]);
    expect(results.flatMap((r) => r.recorded).sort()).toEqual(['7', '7.0']);
    expect(results.filter((r) => r.eventAppended)).toHaveLength(1);
    expect(await repo.commitPromotion(commitOf('run-c', ['7.0', '7']))).toEqual({ recorded: [], eventAppended: false });
    expect(await repo.history(REPO)).toHaveLength(2);
    expect((await repo.history(REPO)).map((h) => [h.tag, h.previous, h.digest, h.runId]).sort()).toEqual([
      ['7', undefined, D2, 'run-c'],
      ['7.0', D1, D2, 'run-c'],
    ]);
    expect((await repo.events()).map((e) => e.event.id)).toEqual(['run-c:promote']);
    expect(await repo.tag(REPO, '7.0')).toEqual({ digest: D2, runId: 'run-c', at: 10, runCreatedAt: 5, commit: 'c'.repeat(40) });
    expect(await repo.published('image/redis/debian-12/7.0.yaml')).toEqual({ digest: D2, runId: 'run-c', at: 10 });
    expect(await repo.promotion('run-c')).toEqual({ recorded: ['7', '7.0'], done: true });
  });

  it('refuses a malformed event before writing anything', async () => {
    const bad = { ...commitOf('run-bad', ['9']), event: { ...event('run-bad'), digest: 'sha256:nothex' } };
    await expect(repo.commitPromotion(bad)).rejects.toThrow();
    expect(await repo.tag(REPO, '9')).toBeUndefined();
    expect(await repo.promotion('run-bad')).toEqual({ recorded: [], done: false });
  });

  it('records a promotion that moved no tag as done, with no event and no history', async () => {
    expect(await repo.commitPromotion({ runId: 'run-none', repository: 'examples/none', moves: [] })).toEqual({ recorded: [], eventAppended: false });
    expect(await repo.history('examples/none')).toEqual([]);
    expect((await repo.promotion('run-none')).done).toBe(true);
  });

  it('lets one run at a time hold the promotion lock of a repository; the holder takes it again after a crash', async () => {
    expect(await repo.lockPromotion(REPO, 'run-1', 60_000)).toBeUndefined();
    expect(await repo.lockPromotion(REPO, 'run-2', 60_000)).toBe('run-1');
    // run-1 was killed and retried: it holds the lock again.
    expect(await repo.lockPromotion(REPO, 'run-1', 60_000)).toBeUndefined();
    await repo.unlockPromotion(REPO, 'run-2');
    expect(await repo.lockPromotion(REPO, 'run-2', 60_000)).toBe('run-1');
    await repo.unlockPromotion(REPO, 'run-1');
    expect(await repo.lockPromotion(REPO, 'run-2', 60_000)).toBeUndefined();
    expect(await repo.lockPromotion('examples/other', 'run-3', 60_000)).toBeUndefined();
  });
});
