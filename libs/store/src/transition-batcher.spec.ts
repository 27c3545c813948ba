import { Redis } from 'ioredis';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { RunRepository } from './run.repository';
import { StoreKeys } from './store-keys';
import { TransitionBatcher } from './transition-batcher';

describe('TransitionBatcher (real Redis)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const keys = new StoreKeys(prefix);
  const runs = new RunRepository(redis, prefix);
  /** Counts the calls of the transition script made through this connection (the real call still runs). */
  let scriptCalls = 0;
  const client = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = client['pfRunTransitions']!;
  client['pfRunTransitions'] = function counted(this: unknown, ...args: unknown[]) {
    scriptCalls++;
    return original.apply(this, args);
  };

  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  const create = (id: string) =>
    runs.create({
      id,
      definition: `image/${id}/debian-12/1.yaml`,
      trigger: { kind: 'manual' },
      stages: ['build', 'test'],
      now: 1_000,
    });

  it('sends the transitions of one event-loop turn as one script call, each answered on its own', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `batch-${i}`);
    scriptCalls = 0;
    await Promise.all(ids.map(create));
    expect(scriptCalls).toBe(1);

    scriptCalls = 0;
    const started = await Promise.all(ids.map((id) => runs.startStage(id, 'build', 1_010)));
    expect(scriptCalls).toBe(1);
    expect(started.every((s) => s.kind === 'started' && s.attempts === 1)).toBe(true);

    // Issued together, in order: a run's start and completion apply in the order given.
    scriptCalls = 0;
    const [a, b, c] = await Promise.all([
      runs.completeStage('batch-0', 'build', { durationMs: 3, artifacts: {} }, 1_020),
      runs.startStage('batch-0', 'build', 1_030),
      runs.startStage('no-such-run', 'build', 1_030),
    ]);
    expect(scriptCalls).toBe(1);
    expect(a).toEqual({ kind: 'ok', next: 'test' });
    expect(b).toEqual({ kind: 'done', next: 'test' });
    expect(c).toEqual({ kind: 'missing' });
    expect((await runs.get('batch-0'))!.stages[0]).toMatchObject({ status: 'succeeded', durationMs: 3 });
  });

  it('splits a batch larger than its limit and keeps every answer in place', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `big-${i}`);
    scriptCalls = 0;
    await Promise.all(ids.map(create));
    expect(scriptCalls).toBe(3);
    const listed = await runs.list({ limit: 1000 });
    expect(new Set(listed.map((r) => r.id))).toEqual(
      new Set([...ids, ...Array.from({ length: 40 }, (_, i) => `batch-${i}`)]),
    );
  });

  it('isolates an operation that fails inside Redis: the rest of its batch still applies', async () => {
    await create('iso-ok');
    await create('iso-bad');
    // A corrupt stage record makes cjson.decode raise inside the script for that run only.
    await redis.hset(keys.run('iso-bad'), 'stage:build', '{not json');
    const [good, bad] = await Promise.allSettled([
      runs.startStage('iso-ok', 'build', 2_000, 'tok-ok'),
      runs.startStage('iso-bad', 'build', 2_000),
    ]);
    expect(good).toEqual({ status: 'fulfilled', value: { kind: 'started', attempts: 1, token: 'tok-ok' } });
    expect(bad.status).toBe('rejected');
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(
      /run transition start of run iso-bad failed in Redis/,
    );
  });

  it('refuses a key list of the wrong shape', () => {
    expect(() => new TransitionBatcher(redis, ['only-one'])).toThrow(/fixed keys expected/);
  });
});
