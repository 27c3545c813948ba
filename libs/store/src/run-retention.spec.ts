import { Redis } from 'ioredis';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { RunRepository } from './run.repository';
import { StoreKeys } from './store-keys';

// Issue 14, bounded work: finished runs are kept PF_RUN_RETENTION_DAYS, then deleted with their
// index entries; running or waiting runs are never touched, and a deleted run stays deleted
// (a late stage transition finds it `missing`, nothing is revived). Real Redis.

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const DEF = 'image/a/debian-12/1.yaml';

describe('RunRepository retention (real Redis)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const keys = new StoreKeys(prefix);
  const runs = new RunRepository(redis, prefix, { finishedRunMs: 30 * DAY });
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  const create = (repo: RunRepository, id: string, now: number, stages: ('plan' | 'review')[] = ['plan', 'review']) =>
    repo.create({ id, definition: DEF, trigger: { kind: 'manual' }, stages, now });
  async function succeeded(repo: RunRepository, id: string, at: number): Promise<void> {
    await create(repo, id, at - 10, ['plan']);
    const start = await repo.startStage(id, 'plan', at - 5);
    expect(start.kind).toBe('started');
    await repo.completeStage(
      id,
      'plan',
      { durationMs: 1, artifacts: {} },
      at,
      start.kind === 'started' ? start.token : undefined,
    );
    expect((await repo.get(id))?.state).toBe('succeeded');
  }
  async function failed(repo: RunRepository, id: string, at: number): Promise<void> {
    await create(repo, id, at - 10);
    await repo.startStage(id, 'plan', at - 5);
    await repo.failRun(id, 'plan', 'boom', 'broke', at);
  }
  const indexed = async (id: string): Promise<string[]> => {
    const found: string[] = [];
    for (const key of [keys.allRuns(), keys.runsOfDefinition(DEF), ...keys.stateIndexKeys()])
      if ((await redis.zscore(key, id)) !== null) found.push(key.slice(prefix.length));
    return found;
  };

  it('deletes finished runs older than the retention with their index entries, and leaves the rest', async () => {
    await succeeded(runs, 'old-ok', T0);
    await failed(runs, 'old-failed', T0);
    await create(runs, 'old-superseded', T0 - 10);
    await runs.startStage('old-superseded', 'plan', T0 - 5);
    await runs.awaitStage('old-superseded', 'plan', 'waits', T0 - 2);
    expect(await runs.supersede('old-superseded', 'plan', 'newer', 'newer run', T0)).toBe('ok');
    await failed(runs, 'recent-failed', T0 + 29 * DAY);
    // Created long ago but never finished: running and awaiting runs are kept whatever their age.
    await create(runs, 'old-running', T0);
    await runs.startStage('old-running', 'plan', T0 + 1);
    await create(runs, 'old-awaiting', T0);
    await runs.startStage('old-awaiting', 'plan', T0 + 1);
    await runs.awaitStage('old-awaiting', 'plan', 'waits for a merge', T0 + 2);

    expect(await runs.pruneFinished(T0 + 31 * DAY)).toBe(3);
    for (const id of ['old-ok', 'old-failed', 'old-superseded']) {
      expect(await runs.get(id)).toBeUndefined();
      expect(await indexed(id)).toEqual([]);
    }
    expect((await runs.list({ limit: 100 })).map((r) => r.id).sort()).toEqual([
      'old-awaiting',
      'old-running',
      'recent-failed',
    ]);
    expect((await runs.list({ definition: DEF, limit: 100 })).map((r) => r.id).sort()).toEqual([
      'old-awaiting',
      'old-running',
      'recent-failed',
    ]);
    expect((await runs.list({ state: 'succeeded' })).map((r) => r.id)).toEqual([]);
    // Again: nothing more is old enough.
    expect(await runs.pruneFinished(T0 + 31 * DAY)).toBe(0);

    // Fencing is unchanged: a late transition of a deleted run is refused as missing, and revives nothing.
    expect(await runs.startStage('old-failed', 'review', T0 + 32 * DAY)).toEqual({ kind: 'missing' });
    expect((await runs.completeStage('old-ok', 'plan', { durationMs: 1, artifacts: {} }, T0 + 32 * DAY)).kind).toBe(
      'missing',
    );
    expect(await runs.failRun('old-failed', 'plan', 'x', 'y', T0 + 32 * DAY)).toBe('missing');
    expect(await runs.get('old-failed')).toBeUndefined();
    expect(await runs.get('old-ok')).toBeUndefined();
    expect(await indexed('old-ok')).toEqual([]);
  });

  it('creating runs prunes (bounded per call), so the store keeps about one retention period of history', async () => {
    const p2 = testPrefix();
    const repo = new RunRepository(redis, p2, { finishedRunMs: 30 * DAY });
    try {
      for (let i = 0; i < 5; i++) await failed(repo, `old-${i}`, T0 + i);
      // Bounded: at most `limit` per finished state and call.
      expect(await repo.pruneFinished(T0 + 31 * DAY, 2)).toBe(2);
      // A run created a retention period later prunes the rest.
      await create(repo, 'new', T0 + 31 * DAY);
      expect((await repo.list({ limit: 100 })).map((r) => r.id)).toEqual(['new']);
    } finally {
      await dropPrefix(sharedRedisUrl(), p2);
    }
  });
});
