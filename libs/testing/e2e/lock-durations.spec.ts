import { queueOfJob, type JobName } from '@patch-factory/contracts';
import { JOB_OPTIONS, RUN_STAGES, stageJobId } from '@patch-factory/pipeline';
import { BackboneFixture, waitFor, type ApiClient } from '../src';

/**
 * Every queue's job lock, read back from Redis while a job of it runs: the lock key
 * `<prefix>:<queue>:<jobId>:lock` lives for the queue's lockDurationMs of the job-options
 * table (renewed at half of it), not for a default that the configuration fills in.
 */
describe('job locks as the job-options table says', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'info' });
  let api: ApiClient;

  beforeAll(async () => {
    api = await fx.startApi();
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  it('a service started without PF_LOCK_DURATION_MS locks each stage job for its table lock duration', async () => {
    const worker = await fx.startWorker(RUN_STAGES, { PF_TEST_STAGE_DELAY_MS: '4000' });
    const runs = new Map<string, string>();
    for (const stage of RUN_STAGES)
      runs.set(stage, await api.trigger(`image/lock-${stage}/debian-12/1.yaml`, { from: stage, to: stage }));

    const seen: Record<string, { queue: string; lockMs: number; pttl: number }> = {};
    for (const stage of RUN_STAGES) {
      const name = `stage.${stage}` as const;
      const queue = queueOfJob(name);
      const lockKey = `${fx.prefix}:${queue}:${stageJobId(runs.get(stage)!, stage)}:lock`;
      // The lock exists while the job is active (the executor sleeps 4 s).
      const pttl = await waitFor(
        `the lock of ${name}`,
        async () => {
          const t = await fx.redis.pttl(lockKey);
          return t > 0 ? t : undefined;
        },
        30_000,
        50,
      );
      seen[stage] = { queue, lockMs: JOB_OPTIONS[name].lockDurationMs, pttl };
    }
    for (const [stage, { lockMs, pttl }] of Object.entries(seen)) {
      // Set to lockMs, renewed when half of it has passed: never above it, never below half of it.
      expect({ stage, atMost: pttl <= lockMs, atLeastHalf: pttl > lockMs / 2 }).toEqual({
        stage,
        atMost: true,
        atLeastHalf: true,
      });
    }
    // The heavy stages hold the longer lock of the table.
    expect(JOB_OPTIONS['stage.build'].lockDurationMs).toBeGreaterThan(JOB_OPTIONS['stage.plan'].lockDurationMs * 2);
    // And the boot log says so, per queue.
    for (const { queue, lockMs } of Object.values(seen)) {
      const line = worker
        .output()
        .split('\n')
        .find((l) => l.includes('"msg":"worker started"') && l.includes(`"queue":"${queue}"`));
      expect(line).toContain(`"lockDuration":${lockMs}`);
    }
    await fx.waitForRuns([...runs.values()], 60_000);
    worker.kill('SIGTERM');
    await worker.exited;
  }, 120_000);

  it('the all-in-one service starts every queue it consumes with the longest lock of its jobs in the table', async () => {
    const own = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'info' });
    try {
      const service = await own.startService('dist/services/all-in-one/src/main.js');
      const started = service
        .output()
        .split('\n')
        .filter((l) => l.includes('"msg":"worker started"'))
        .map((l) => JSON.parse(l) as { queue: string; jobs: JobName[]; lockDuration: number });
      expect(started.map((w) => w.queue)).toEqual(
        expect.arrayContaining(RUN_STAGES.map((st) => queueOfJob(`stage.${st}`))),
      );
      for (const w of started) {
        const table = Math.max(...w.jobs.map((j) => JOB_OPTIONS[j].lockDurationMs));
        expect({ queue: w.queue, lockDuration: w.lockDuration }).toEqual({ queue: w.queue, lockDuration: table });
      }
    } finally {
      await own.close();
    }
  }, 90_000);

  it('PF_LOCK_DURATION_MS, when set, overrides every queue', async () => {
    const worker = await fx.startWorker(['build', 'plan'], {
      PF_LOCK_DURATION_MS: '5000',
      PF_TEST_STAGE_DELAY_MS: '3000',
    });
    const id = await api.trigger('image/lock-override/debian-12/1.yaml', { from: 'build', to: 'build' });
    const pttl = await waitFor(
      'the build lock',
      async () => {
        const t = await fx.redis.pttl(`${fx.prefix}:${queueOfJob('stage.build')}:${stageJobId(id, 'build')}:lock`);
        return t > 0 ? t : undefined;
      },
      30_000,
      50,
    );
    expect(pttl).toBeLessThanOrEqual(5_000);
    expect(worker.output()).toMatch(/"queue":"\{build\}"[^\n]*"lockDuration":5000/);
    await fx.waitForRuns([id], 60_000);
  }, 90_000);
});
