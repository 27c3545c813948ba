import { Redis } from 'ioredis';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { RunRepository } from './run.repository';

describe('RunRepository: a run superseded by a newer one (real Redis)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const runs = new RunRepository(redis, prefix);
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  const create = async (id: string, now: number) => {
    await runs.create({
      id,
      definition: 'image/a/debian-12/1.yaml',
      trigger: { kind: 'manual' },
      stages: ['review', 'promote', 'notify'],
      now,
    });
    await runs.startStage(id, 'review', now + 1);
  };

  it('ends a waiting run superseded at its stage, naming the newer run; it never starts or completes again', async () => {
    await create('run-old', 1_000);
    expect(await runs.awaitStage('run-old', 'review', 'waits for a merge', 1_010)).toBe('ok');
    expect(
      await runs.supersede('run-old', 'review', 'run-new', 'run run-new of the same definition is newer', 1_020),
    ).toBe('ok');
    const run = (await runs.get('run-old'))!;
    expect(run).toMatchObject({ state: 'superseded', supersededBy: 'run-new', finishedAt: 1_020 });
    expect(run.stages[0]).toMatchObject({
      status: 'superseded',
      supersededBy: 'run-new',
      finishedAt: 1_020,
      artifacts: { 'superseded.reason': 'run run-new of the same definition is newer' },
    });
    expect(run.stages[0]!.awaiting).toBeUndefined();
    expect(run.stages[1]).toMatchObject({ status: 'pending' });
    // Listed under its state, and in no other state index.
    expect((await runs.list({ state: 'superseded' })).map((r) => r.id)).toEqual(['run-old']);
    expect((await runs.list({ state: 'awaiting' })).map((r) => r.id)).toEqual([]);
    // A merge that arrives now finds nothing to resume; a stage job finds the run ended.
    expect((await runs.completeStage('run-old', 'review', { durationMs: 1, artifacts: {} }, 1_030)).kind).toBe('ended');
    expect(await runs.startStage('run-old', 'promote', 1_040)).toEqual({ kind: 'ended', state: 'superseded' });
    expect(await runs.failRun('run-old', 'promote', 'x', 'y', 1_050)).toBe('dup');
    expect(await runs.supersede('run-old', 'review', 'run-newer', 'again', 1_060)).toBe('dup');
    expect((await runs.get('run-old'))?.supersededBy).toBe('run-new');
    expect(await runs.completions('run-old')).toBe(0);
  });

  it('leaves a run that is past the stage, or that ended otherwise, as it is', async () => {
    await create('run-merged', 2_000);
    await runs.completeStage('run-merged', 'review', { durationMs: 1, artifacts: {} }, 2_010);
    expect(await runs.supersede('run-merged', 'review', 'run-x', 'newer', 2_020)).toBe('ended');
    expect((await runs.get('run-merged'))?.state).toBe('running');
    await create('run-failed', 3_000);
    await runs.failRun('run-failed', 'review', 'boom', 'broke', 3_010);
    expect(await runs.supersede('run-failed', 'review', 'run-x', 'newer', 3_020)).toBe('ended');
    expect(await runs.get('run-failed')).toMatchObject({ state: 'failed', supersededBy: undefined });
  });
});
