import { Redis } from 'ioredis';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { RunRepository } from './run.repository';

describe('RunRepository (real Redis)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const runs = new RunRepository(redis, prefix);
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  const create = async (id: string, definition = 'image/a/debian-12/1.yaml', now = 1_000) => {
    await runs.create({ id, definition, trigger: { kind: 'manual' }, stages: ['build', 'test', 'scan'], now });
  };

  it('walks a run through its stages, recording attempts, timings and artifacts', async () => {
    await create('run-a');
    expect(await runs.startStage('run-a', 'build', 1_010, 't1')).toEqual({ kind: 'started', attempts: 1, token: 't1' });
    expect(await runs.noteAttemptFailure('run-a', 'build', 'flaky', 'try again', 1_020, 't1')).toBe('ok');
    expect(await runs.startStage('run-a', 'build', 1_030, 't2')).toEqual({ kind: 'started', attempts: 2, token: 't2' });
    expect(
      await runs.completeStage('run-a', 'build', { durationMs: 5, artifacts: { digest: 'sha256:ab' } }, 1_040, 't2'),
    ).toEqual({ kind: 'ok', next: 'test' });
    let run = (await runs.get('run-a'))!;
    expect(run.state).toBe('running');
    expect(run.stages[0]).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      startedAt: 1_010,
      finishedAt: 1_040,
      durationMs: 5,
      artifacts: { digest: 'sha256:ab' },
      token: 't2',
      completedToken: 't2',
    });
    expect(run.stages[0]!.error).toBeUndefined();
    expect(run.stages[1]).toMatchObject({ status: 'queued', queuedAt: 1_040 });

    // A duplicate delivery of a finished stage changes nothing and names the next stage again.
    expect(await runs.startStage('run-a', 'build', 1_050)).toEqual({ kind: 'done', next: 'test' });
    expect(await runs.completeStage('run-a', 'build', { durationMs: 9, artifacts: {} }, 1_060)).toEqual({
      kind: 'dup',
      next: 'test',
    });

    for (const s of ['test', 'scan'] as const) {
      await runs.startStage('run-a', s, 1_100);
      await runs.completeStage('run-a', s, { durationMs: 1, artifacts: {} }, 1_200);
    }
    run = (await runs.get('run-a'))!;
    expect(run).toMatchObject({ state: 'succeeded', finishedAt: 1_200 });
    expect(await runs.completions('run-a')).toBe(1);
    // Completing the last stage again does not complete the run twice.
    expect((await runs.completeStage('run-a', 'scan', { durationMs: 1, artifacts: {} }, 1_300)).kind).toBe('dup');
    expect(await runs.completions('run-a')).toBe(1);
  });

  it('fails a run once, keeps the reason, and reopens it for a replay', async () => {
    await create('run-b', 'image/b/debian-12/1.yaml', 2_000);
    await runs.startStage('run-b', 'build', 2_010);
    expect(await runs.failRun('run-b', 'build', 'boom', 'it broke', 2_020)).toBe('ok');
    expect(await runs.failRun('run-b', 'build', 'other', 'again', 2_030)).toBe('dup');
    let run = (await runs.get('run-b'))!;
    expect(run).toMatchObject({ state: 'failed', error: { stage: 'build', code: 'boom', message: 'it broke' } });
    expect(await runs.startStage('run-b', 'build', 2_040)).toEqual({ kind: 'ended', state: 'failed' });

    expect(await runs.reopenStage('run-b', 'build', 2_050)).toBe('ok');
    run = (await runs.get('run-b'))!;
    expect(run.state).toBe('running');
    expect(run.error).toBeUndefined();
    expect(run.stages[0]).toMatchObject({ status: 'queued', queuedAt: 2_050 });
  });

  it('parks a stage that awaits an outside event', async () => {
    await create('run-c', 'image/c/debian-12/1.yaml', 3_000);
    await runs.startStage('run-c', 'build', 3_010);
    expect(await runs.awaitStage('run-c', 'build', 'pull request #7 awaits review', 3_020)).toBe('ok');
    const run = (await runs.get('run-c'))!;
    expect(run.state).toBe('awaiting');
    expect(run.stages[0]).toMatchObject({ status: 'awaiting', awaiting: 'pull request #7 awaits review' });
  });

  it('answers queries by id, by definition and by state, newest first', async () => {
    expect(await runs.get('nope')).toBeUndefined();
    expect(await runs.startStage('nope', 'build')).toEqual({ kind: 'missing' });
    expect((await runs.list()).map((r) => r.id)).toEqual(['run-c', 'run-b', 'run-a']);
    expect((await runs.list({ definition: 'image/b/debian-12/1.yaml' })).map((r) => r.id)).toEqual(['run-b']);
    expect((await runs.list({ state: 'succeeded' })).map((r) => r.id)).toEqual(['run-a']);
    expect((await runs.list({ state: 'running' })).map((r) => r.id)).toEqual(['run-b']);
    expect((await runs.list({ limit: 1 })).map((r) => r.id)).toEqual(['run-c']);
    await expect(create('run-a')).rejects.toThrow('run run-a already exists');
  });
});
