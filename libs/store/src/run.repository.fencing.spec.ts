import { Redis } from 'ioredis';
import type { StageRecord } from '@patch-factory/contracts';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { RunRepository } from './run.repository';
import { StoreKeys } from './store-keys';

/**
 * The run store refuses out-of-date work (issue 13): every start of a stage is an execution
 * with its own fencing token; a completion (or await, attempt failure, failure) from an
 * execution that is not the stage's current one, for a stage that was never started, or
 * whose previous stage has not succeeded, is refused and changes nothing.
 */
describe('RunRepository fencing (real Redis)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const runs = new RunRepository(redis, prefix);
  const keys = new StoreKeys(prefix);
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  const create = (id: string) =>
    runs.create({
      id,
      definition: `image/${id}/debian-12/1.yaml`,
      trigger: { kind: 'manual' },
      stages: ['build', 'test', 'scan'],
      now: 1_000,
    });
  const stageOf = async (id: string, stage: string): Promise<StageRecord> =>
    (await runs.get(id))!.stages.find((s) => s.stage === stage)!;
  const done = { durationMs: 1, artifacts: { 'build.digest': 'sha256:aa' } };

  it('refuses a completion with a stale token: only the current execution completes, once', async () => {
    await create('stale');
    expect(await runs.startStage('stale', 'build', 1_010, 'first')).toEqual({
      kind: 'started',
      attempts: 1,
      token: 'first',
    });
    // A second delivery starts while the first still runs (the first lost its lock).
    expect(await runs.startStage('stale', 'build', 1_020, 'second')).toEqual({
      kind: 'started',
      attempts: 2,
      token: 'second',
    });

    expect(await runs.completeStage('stale', 'build', done, 1_030, 'first')).toEqual({
      kind: 'stale',
      next: null,
      detail: 'the stage was started again since',
    });
    expect(await stageOf('stale', 'build')).toMatchObject({
      status: 'running',
      attempts: 2,
      token: 'second',
      refusals: 1,
    });
    expect(await stageOf('stale', 'test')).toMatchObject({ status: 'pending' });

    expect(await runs.completeStage('stale', 'build', done, 1_040, 'second')).toEqual({ kind: 'ok', next: 'test' });
    expect(await stageOf('stale', 'build')).toMatchObject({
      status: 'succeeded',
      completedToken: 'second',
      finishedAt: 1_040,
    });
    // The first execution's completion arriving after the second's is refused, not a duplicate (no next stage named).
    expect(await runs.completeStage('stale', 'build', done, 1_050, 'first')).toEqual({
      kind: 'stale',
      next: null,
      detail: 'another execution completed the stage',
    });
    // The accepted execution's resent completion is an idempotent duplicate.
    expect(await runs.completeStage('stale', 'build', done, 1_060, 'second')).toEqual({ kind: 'dup', next: 'test' });
    expect(await stageOf('stale', 'build')).toMatchObject({
      status: 'succeeded',
      completedToken: 'second',
      finishedAt: 1_040,
      refusals: 2,
    });
  });

  it('refuses await, attempt failure and failure from a stale execution; the dead-letter path (no token) still fails the run', async () => {
    await create('stale-others');
    await runs.startStage('stale-others', 'build', 1_010, 'old');
    await runs.startStage('stale-others', 'build', 1_020, 'new');
    expect(await runs.awaitStage('stale-others', 'build', 'waits', 1_030, 'old')).toBe('stale');
    expect(await runs.noteAttemptFailure('stale-others', 'build', 'flaky', 'x', 1_030, 'old')).toBe('stale');
    expect(await runs.failRun('stale-others', 'build', 'boom', 'x', 1_030, 'old')).toBe('stale');
    expect((await runs.get('stale-others'))!.state).toBe('running');
    expect(await stageOf('stale-others', 'build')).toMatchObject({ status: 'running', token: 'new', refusals: 3 });
    expect((await stageOf('stale-others', 'build')).error).toBeUndefined();

    expect(await runs.failRun('stale-others', 'build', 'worker-lost', 'dead-lettered', 1_040)).toBe('ok');
    expect((await runs.get('stale-others'))!.state).toBe('failed');
  });

  it('refuses a completion of a stage that was never started, with or without a token', async () => {
    await create('unstarted');
    expect(await runs.completeStage('unstarted', 'build', done, 1_010, 'ghost')).toEqual({
      kind: 'not-started',
      next: null,
      detail: 'queued',
    });
    expect(await runs.completeStage('unstarted', 'build', done, 1_010)).toEqual({
      kind: 'not-started',
      next: null,
      detail: 'queued',
    });
    expect(await runs.awaitStage('unstarted', 'build', 'waits', 1_010, 'ghost')).toBe('not-started');
    const run = (await runs.get('unstarted'))!;
    expect(run.state).toBe('queued');
    expect(run.stages.map((s) => [s.status, s.attempts])).toEqual([
      ['queued', 0],
      ['pending', 0],
      ['pending', 0],
    ]);
    expect(await runs.completions('unstarted')).toBe(0);
  });

  it('refuses to start or complete a stage whose previous stage has not succeeded', async () => {
    await create('order');
    expect(await runs.startStage('order', 'test', 1_010, 'early')).toEqual({ kind: 'out-of-order', detail: 'build' });
    expect(await stageOf('order', 'test')).toMatchObject({ status: 'pending', attempts: 0 });

    // The store rolls back under a running test (a host crash loses the build's completion):
    // the test execution still in a worker's memory completes against the rolled-back store.
    await runs.startStage('order', 'build', 1_020, 'b1');
    const buildRunning = await redis.hget(keys.run('order'), 'stage:build');
    await runs.completeStage('order', 'build', done, 1_030, 'b1');
    expect((await runs.startStage('order', 'test', 1_040, 't1')).kind).toBe('started');
    await redis.hset(keys.run('order'), 'stage:build', buildRunning!);
    expect(await runs.completeStage('order', 'test', { durationMs: 1, artifacts: {} }, 1_050, 't1')).toEqual({
      kind: 'out-of-order',
      next: null,
      detail: 'build',
    });
    expect(await runs.completeStage('order', 'test', { durationMs: 1, artifacts: {} }, 1_050)).toMatchObject({
      kind: 'out-of-order',
    });
    expect(await stageOf('order', 'test')).toMatchObject({ status: 'running' });
    expect(await stageOf('order', 'scan')).toMatchObject({ status: 'pending' });
  });

  it('counts every execution: two concurrent starts are two attempts, and only the last one can complete', async () => {
    await create('twice');
    const [a, b] = await Promise.all([
      runs.startStage('twice', 'build', 1_010, 'a'),
      runs.startStage('twice', 'build', 1_010, 'b'),
    ]);
    expect([a, b].map((s) => (s.kind === 'started' ? s.attempts : 0)).sort()).toEqual([1, 2]);
    const rec = await stageOf('twice', 'build');
    expect(rec).toMatchObject({ status: 'running', attempts: 2 });
    const [current, other] = rec.token === 'a' ? ['a', 'b'] : ['b', 'a'];
    expect((await runs.completeStage('twice', 'build', done, 1_020, other)).kind).toBe('stale');
    expect((await runs.completeStage('twice', 'build', done, 1_030, current)).kind).toBe('ok');
    expect(await stageOf('twice', 'build')).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      completedToken: current,
    });
  });

  it('an outside event completes an awaiting stage without a token; the parked execution is the accepted one', async () => {
    await create('parked');
    await runs.startStage('parked', 'build', 1_010, 'p1');
    expect(await runs.awaitStage('parked', 'build', 'waits for a merge', 1_020, 'p1')).toBe('ok');
    expect(await runs.completeStage('parked', 'build', { durationMs: 1, artifacts: {} }, 1_030)).toEqual({
      kind: 'ok',
      next: 'test',
    });
    expect(await stageOf('parked', 'build')).toMatchObject({ status: 'succeeded', completedToken: 'p1' });
    // Its own later await (the stage completed while it still ran) is a duplicate, not a refusal.
    expect(await runs.awaitStage('parked', 'build', 'late', 1_040, 'p1')).toBe('dup');
  });

  it('puts back a stage recorded succeeded without a recorded start', async () => {
    await create('ghost-done');
    await runs.startStage('ghost-done', 'build', 1_010, 'b1');
    // What the old store let through: a completion of test applied while build still ran.
    const ghost: StageRecord = {
      stage: 'test',
      status: 'succeeded',
      attempts: 0,
      finishedAt: 1_020,
      durationMs: 1,
      artifacts: { 'test.report': 'x' },
    };
    await redis.hset(keys.run('ghost-done'), 'stage:test', JSON.stringify(ghost));
    expect(await runs.unstartStage('ghost-done', 'test', 1_030)).toEqual({ kind: 'ok', status: 'pending' });
    expect(await stageOf('ghost-done', 'test')).toEqual({
      stage: 'test',
      status: 'pending',
      attempts: 0,
      queuedAt: 1_030,
      artifacts: {},
    });
    // A stage that did start is left alone.
    await runs.completeStage('ghost-done', 'build', done, 1_040, 'b1');
    expect(await runs.unstartStage('ghost-done', 'build', 1_050)).toEqual({ kind: 'dup' });
    expect(await stageOf('ghost-done', 'build')).toMatchObject({ status: 'succeeded', completedToken: 'b1' });
  });
});
