import { stageJobId } from '@patch-factory/pipeline';
import { MAX_DEFERRALS } from '@patch-factory/queue';
import { BackboneFixture, waitFor, type ApiClient } from '../src';

const FAST_LOCKS = { PF_LOCK_DURATION_MS: '1500', PF_STALLED_INTERVAL_MS: '1000' };

/**
 * A job recovered from a stall runs alone in its process for PF_SUSPECT_ISOLATION_MS at
 * most: a long one does not hold up the process's other queues until it ends.
 */
describe('bounded recovery of a stalled job', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let api: ApiClient;

  beforeAll(async () => {
    api = await fx.startApi();
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  it('a long stalled job runs alone for the bound only; then the other queues run beside it', async () => {
    // A build that stalls: its worker is killed while it runs.
    const lost = await fx.startWorker(['build'], { ...FAST_LOCKS, PF_TEST_STAGE_DELAY_MS: '60000' });
    const suspect = await api.trigger('image/stalled-long/debian-12/1.yaml', { from: 'build', to: 'build' });
    const suspectKey = `${suspect}:build`;
    await waitFor(
      'the build to run in the first worker',
      async () => ((await fx.effects.holding(lost.pid)).includes(suspectKey) ? true : undefined),
      30_000,
      50,
    );
    lost.kill('SIGKILL');
    await lost.exited;

    // The next worker takes build and test; every stage of it takes 12 s, the suspect runs alone for 3 s at most.
    const next = await fx.startWorker(['build', 'test'], {
      ...FAST_LOCKS,
      PF_TEST_STAGE_DELAY_MS: '12000',
      PF_SUSPECT_ISOLATION_MS: '3000',
    });
    await waitFor(
      'the recovered build to run in the next worker',
      async () => ((await fx.effects.holding(next.pid)).includes(suspectKey) ? true : undefined),
      30_000,
      50,
    );
    const others = [
      await api.trigger('image/beside-1/debian-12/1.yaml', { from: 'test', to: 'test' }),
      await api.trigger('image/beside-2/debian-12/1.yaml', { from: 'test', to: 'test' }),
    ];

    // While the recovered build still runs, a test job of another queue runs beside it.
    const beside = await waitFor(
      'a test job to run beside the recovered build',
      async () => {
        const holding = await fx.effects.holding(next.pid);
        return holding.includes(suspectKey) && holding.some((k) => k.endsWith(':test')) ? holding : undefined;
      },
      30_000,
      50,
    );
    expect(beside.filter((k) => k.endsWith(':test')).length).toBeGreaterThan(0);
    expect(next.output()).toContain('job recovered from a stall runs alone');

    const runs = await fx.waitForRuns([suspect, ...others], 60_000);
    expect(runs.map((r) => r.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // The recovered build had its effect once; deferring the others spent none of their attempts.
    expect(await fx.effects.effects(suspect)).toBe(1);
    // (BullMQ counts every start in `ats`: a job put back and taken again starts once more.)
    const starts: number[] = [];
    for (const id of others) {
      const job = await fx.redis.hmget(`${fx.prefix}:{test}:${stageJobId(id, 'test')}`, 'atm', 'stc', 'ats');
      expect({ id, attemptsMade: Number(job[0] ?? 0), stalls: Number(job[1] ?? 0) }).toEqual({
        id,
        attemptsMade: 1,
        stalls: 0,
      });
      starts.push(Number(job[2] ?? 0));
    }
    // They were put back (while the recovered build ran alone) a bounded number of times.
    expect(Math.max(...starts)).toBeLessThanOrEqual(1 + MAX_DEFERRALS);
  }, 120_000);
});
