import { Redis } from 'ioredis';
import type { ImageEvent } from '@patch-factory/contracts';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import {
  PromotionFencedError,
  ReleaseRepository,
  type PromotionCommit,
  type PromotionLease,
} from './release.repository';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const REPO = 'examples/redis';

const event = (runId: string): ImageEvent => ({
  id: `${runId}:promote`,
  type: 'image.updated',
  repository: `127.0.0.1:5000/${REPO}`,
  digest: D2,
  tags: [
    { tag: '7.0', digest: D2, previous: D1 },
    { tag: '7', digest: D2 },
  ],
  cvesFixed: [],
  runId,
  definition: 'image/redis/debian-12/7.0.yaml',
  at: 10,
});

const commitOf = (runId: string, tags: string[], fence: number): PromotionCommit => ({
  runId,
  repository: REPO,
  fence,
  moves: tags.map((tag) => ({
    tag,
    current: { digest: D2, runId, at: 10, runCreatedAt: 5, commit: 'c'.repeat(40) },
    ...(tag === '7.0' ? { previous: D1 } : {}),
  })),
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
  /** Takes the lock of `repository` for `runId` (it must be free) and releases it after `work`. */
  const holding = async <T>(
    runId: string,
    work: (lease: PromotionLease) => Promise<T>,
    repository = REPO,
  ): Promise<T> => {
    const taken = await repo.lockPromotion(repository, runId, 60_000);
    if (!taken.acquired) throw new Error(`the lock of ${repository} is held by ${taken.holder}`);
    try {
      return await work(taken.lease);
    } finally {
      await repo.releasePromotion(taken.lease);
    }
  };

  it('keeps the first plan of a run: a retry moves tags from where they were before its first attempt', async () => {
    expect(await repo.promotion('run-p')).toEqual({ recorded: [], done: false });
    const first = { repository: REPO, digest: D2, tags: [{ tag: '7.0', previous: D1 }, { tag: '7' }], at: 10 };
    expect(await holding('run-p', (l) => repo.planPromotion('run-p', first, l.fence))).toEqual(first);
    // The retry sees the tags at the new digest already; the recorded plan wins.
    expect(
      await holding('run-p', (l) =>
        repo.planPromotion(
          'run-p',
          {
            ...first,
            tags: [
              { tag: '7.0', previous: D2 },
              { tag: '7', previous: D2 },
            ],
            at: 20,
          },
          l.fence,
        ),
      ),
    ).toEqual(first);
    expect((await repo.promotion('run-p')).plan).toEqual(first);
  });

  it('writes each tag pointer and history entry once per (run, tag) and the event once, however often it is repeated', async () => {
    // A repetition of the writes, some of them concurrent, as retries after crashes would make them.
    const results = await holding('run-c', (l) =>
      Promise.all([
        repo.commitPromotion(commitOf('run-c', ['7.0'], l.fence)),
        repo.commitPromotion(commitOf('run-c', ['7.0', '7'], l.fence)),
        repo.commitPromotion(commitOf('run-c', ['7.0', '7'], l.fence)),
      ]),
    );
    expect(results.flatMap((r) => r.recorded).sort()).toEqual(['7', '7.0']);
    expect(results.filter((r) => r.eventAppended)).toHaveLength(1);
    expect(await holding('run-c', (l) => repo.commitPromotion(commitOf('run-c', ['7.0', '7'], l.fence)))).toEqual({
      recorded: [],
      eventAppended: false,
    });
    expect(await repo.history(REPO)).toHaveLength(2);
    expect((await repo.history(REPO)).map((h) => [h.tag, h.previous, h.digest, h.runId]).sort()).toEqual([
      ['7', undefined, D2, 'run-c'],
      ['7.0', D1, D2, 'run-c'],
    ]);
    expect((await repo.events()).map((e) => e.event.id)).toEqual(['run-c:promote']);
    expect(await repo.tag(REPO, '7.0')).toEqual({
      digest: D2,
      runId: 'run-c',
      at: 10,
      runCreatedAt: 5,
      commit: 'c'.repeat(40),
    });
    expect(await repo.published('image/redis/debian-12/7.0.yaml')).toEqual({ digest: D2, runId: 'run-c', at: 10 });
    expect(await repo.promotion('run-c')).toEqual({ recorded: ['7', '7.0'], done: true });
  });

  it('refuses a malformed event before writing anything', async () => {
    const bad = { ...commitOf('run-bad', ['9'], 0), event: { ...event('run-bad'), digest: 'sha256:nothex' } };
    await expect(holding('run-bad', (l) => repo.commitPromotion({ ...bad, fence: l.fence }))).rejects.toThrow();
    expect(await repo.tag(REPO, '9')).toBeUndefined();
    expect(await repo.promotion('run-bad')).toEqual({ recorded: [], done: false });
  });

  it('records a promotion that moved no tag as done, with no event and no history', async () => {
    expect(
      await holding(
        'run-none',
        (l) => repo.commitPromotion({ runId: 'run-none', repository: 'examples/none', fence: l.fence, moves: [] }),
        'examples/none',
      ),
    ).toEqual({ recorded: [], eventAppended: false });
    expect(await repo.history('examples/none')).toEqual([]);
    expect((await repo.promotion('run-none')).done).toBe(true);
  });

  it('lets one run at a time hold the promotion lock of a repository; the holder takes it again after a crash, with a new fencing number', async () => {
    const first = await repo.lockPromotion(REPO, 'run-1', 60_000);
    if (!first.acquired) throw new Error('not acquired');
    expect(await repo.lockPromotion(REPO, 'run-2', 60_000)).toEqual({
      acquired: false,
      holder: 'run-1',
      fence: first.lease.fence,
    });
    // run-1 was killed and retried: it holds the lock again, with the next fencing number.
    const retried = await repo.lockPromotion(REPO, 'run-1', 60_000);
    expect(retried).toEqual({
      acquired: true,
      lease: { repository: REPO, runId: 'run-1', fence: first.lease.fence + 1 },
    });
    // The killed delivery's lease is out of date: it can neither renew nor release the lock.
    expect(await repo.renewPromotion(first.lease, 60_000)).toBe(false);
    expect(await repo.releasePromotion(first.lease)).toBe(false);
    await repo.unlockPromotion(REPO, 'run-2');
    expect(await repo.lockPromotion(REPO, 'run-2', 60_000)).toMatchObject({ acquired: false, holder: 'run-1' });
    await repo.unlockPromotion(REPO, 'run-1');
    const second = await repo.lockPromotion(REPO, 'run-2', 60_000);
    expect(second).toMatchObject({ acquired: true, lease: { runId: 'run-2', fence: first.lease.fence + 2 } });
    expect(await repo.lockPromotion('examples/other', 'run-3', 60_000)).toMatchObject({
      acquired: true,
      lease: { fence: 1 },
    });
    if (second.acquired) expect(await repo.releasePromotion(second.lease)).toBe(true);
  });

  it('refuses the plan and the commit of a promotion whose lock lapsed and was taken over; renews a lapsed lock nobody took', async () => {
    const repository = 'examples/fenced';
    const old = await repo.lockPromotion(repository, 'run-old', 50);
    if (!old.acquired) throw new Error('not acquired');
    // Lapsed (50 ms) and nobody took it: the holder renews it and may still write.
    await waitUntilFree(repository);
    expect(await repo.renewPromotion(old.lease, 60_000)).toBe(true);
    const plan = { repository, digest: D2, tags: [{ tag: '1' }], at: 10 };
    expect(await repo.planPromotion('run-old', plan, old.lease.fence)).toEqual(plan);
    // Lapsed again, and this time taken over by another run.
    await redis.pexpire(`${prefix}:{store}:release:${repository}:promoting`, 1);
    await waitUntilFree(repository);
    const next = await repo.lockPromotion(repository, 'run-new', 60_000);
    expect(next).toMatchObject({ acquired: true, lease: { fence: old.lease.fence + 1 } });
    const refused = repo.commitPromotion({
      runId: 'run-old',
      repository,
      fence: old.lease.fence,
      moves: [{ tag: '1', current: { digest: D2, runId: 'run-old', at: 10 } }],
    });
    await expect(refused).rejects.toBeInstanceOf(PromotionFencedError);
    await expect(refused).rejects.toMatchObject({ code: 'promote-lock-lost', retryable: true });
    await expect(refused).rejects.toThrow(
      `recording the promotion of run run-old refused: the promotion lock of ${repository} was taken over (this promotion holds fencing number ${old.lease.fence}, the lock is now at ${old.lease.fence + 1}, held by run run-new)`,
    );
    await expect(repo.planPromotion('run-old2', plan, old.lease.fence)).rejects.toThrow(
      'recording the promotion plan of run run-old2 refused',
    );
    // Nothing was written by the refused promotion; it can neither renew nor release the new holder's lock.
    expect(await repo.tag(repository, '1')).toBeUndefined();
    expect(await repo.promotion('run-old')).toEqual({ plan, recorded: [], done: false });
    expect(await repo.promotion('run-old2')).toEqual({ recorded: [], done: false });
    expect(await repo.renewPromotion(old.lease, 60_000)).toBe(false);
    expect(await repo.releasePromotion(old.lease)).toBe(false);
    // The new holder writes.
    if (next.acquired) {
      expect(
        await repo.commitPromotion({
          runId: 'run-new',
          repository,
          fence: next.lease.fence,
          moves: [{ tag: '1', current: { digest: D2, runId: 'run-new', at: 11 } }],
        }),
      ).toEqual({ recorded: ['1'], eventAppended: false });
      expect(await repo.releasePromotion(next.lease)).toBe(true);
    }
  });

  /** Polls (bounded) until the lock of `repository` has lapsed. */
  const waitUntilFree = async (repository: string): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      if ((await redis.exists(`${prefix}:{store}:release:${repository}:promoting`)) === 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`the lock of ${repository} did not lapse`);
  };
});
