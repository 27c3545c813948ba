import { RUN_STAGES } from '@patch-factory/pipeline';
import { BackboneFixture, startRedisServer, waitFor, type ApiClient, type RedisServerHandle } from '../src';

describe('Redis restarted under load (AOF on)', () => {
  let redis: RedisServerHandle;
  let fx: BackboneFixture;
  let api: ApiClient;

  beforeAll(async () => {
    redis = await startRedisServer({ aof: true });
    // A job whose completion was sent while Redis was down stays active until its lock runs
    // out and the stall check takes it back: with the stage jobs' 120 s locks that is up to
    // 240 s, so the test's workers hold short locks (the recovery path is the same).
    fx = new BackboneFixture(redis.url, {
      PF_TEST_STAGE_DELAY_MS: '30',
      PF_LOG_LEVEL: 'warn',
      PF_BACKOFF_DELAY_MS: '200',
      PF_LOCK_DURATION_MS: '3000',
      PF_STALLED_INTERVAL_MS: '2000',
      PF_SUSPECT_ISOLATION_MS: '2000',
    });
    api = await fx.startApi();
    await Promise.all([1, 2].map(() => fx.startWorker(RUN_STAGES)));
  }, 120_000);
  afterAll(async () => {
    await fx.close();
    await redis.stop();
  }, 60_000);

  it('runs in flight resume and complete, each exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await api.trigger(`image/restart-${i}/debian-12/1.yaml`));
    // Restart while runs are mid-pipeline: some finished, most not.
    await waitFor(
      'some runs to be under way',
      async () => ((await fx.runs.list({ state: 'running', limit: 5 })).length > 0 ? true : undefined),
      20_000,
      10,
    );
    const before = await fx.runs.list({ state: 'succeeded', limit: 1000 });
    expect(before.length).toBeLessThan(ids.length);
    await redis.restart();

    const runs = await fx.waitForRuns(ids, 120_000);
    for (const run of runs) {
      expect({ id: run.id, state: run.state, error: run.error }).toEqual({
        id: run.id,
        state: 'succeeded',
        error: undefined,
      });
      expect(await fx.runs.completions(run.id)).toBe(1);
      expect(await fx.effects.effects(run.id)).toBe(RUN_STAGES.length);
    }
    // The API answers again after the restart, and the services report ready.
    const health = await api.request<{ redis: string }>('GET', '/health/ready');
    expect(health.status).toBe(200);
    expect(health.body.redis).toBe('up');
  }, 240_000);
});
