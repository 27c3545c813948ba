import { Worker, type Job, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import {
  ErrorCode,
  RetryableError,
  queueOfJob,
  type JobName,
  type JobPayload,
  type StageJobPayload,
} from '@patch-factory/contracts';
import { JobProducer, type JobContext } from '@patch-factory/queue';
import { RunRepository, StoreKeys } from '@patch-factory/store';
import { FactoryMetrics, createLogger } from '@patch-factory/telemetry';
import { dropPrefix, sharedRedisUrl, testPrefix, waitFor } from '@patch-factory/testing';
import { JOB_OPTIONS } from './job-options';
import { newRunId } from './run-id';
import { RunReconciler } from './run-reconciler';
import type { StageContext, StageExecutor } from './stage-executor';
import { StageRunner } from './stage-runner';
import { STAGE_JOB, stageJobId } from './transitions';

/** A real JobProducer that also counts what it enqueued (by job name). */
class CountingProducer extends JobProducer {
  readonly enqueued: string[] = [];
  override async enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    opts: { jobId: string; delayMs?: number },
  ): Promise<string> {
    this.enqueued.push(`${name} ${opts.jobId}`);
    return super.enqueue(name, payload, opts);
  }
}

/** An executor whose executions each wait until the test lets them go. */
class GatedExecutor implements StageExecutor {
  readonly executions: { token: string | undefined; attempt: number; release: () => void }[] = [];
  async execute(ctx: StageContext): Promise<{ artifacts: Record<string, string> }> {
    await new Promise<void>((release) =>
      this.executions.push({ token: ctx.executionToken, attempt: ctx.attempt, release }),
    );
    return { artifacts: { 'build.attempt': String(ctx.attempt) } };
  }
}

/**
 * Two executions of one stage race (issue 13): the first loses its job lock while it still
 * runs, BullMQ hands the job to a second worker, and both finish. The run store accepts the
 * completion of exactly one (the current execution), the next stage is enqueued once, and
 * both executions count as attempts. Real Redis, real BullMQ workers.
 */
describe('StageRunner: two executions of one stage race (real Redis + BullMQ)', () => {
  const url = sharedRedisUrl();
  const prefix = testPrefix();
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const config = loadConfig({ PF_PREFIX: prefix, PF_REDIS_URL: url });
  const logger = createLogger('stage-runner-fencing', 'silent');
  const runs = new RunRepository(redis, prefix);
  const producer = new CountingProducer(redis, config, { service: 'test', owns: [], jobOptions: JOB_OPTIONS });
  const metrics = new FactoryMetrics('test');
  const runner = new StageRunner(runs, producer, metrics, logger, new RunReconciler(runs, producer, logger));
  const workers: Worker[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close(true)));
  });
  afterAll(async () => {
    await producer.onApplicationShutdown();
    await dropPrefix(url, prefix);
    redis.disconnect();
  });

  const worker = (
    executor: StageExecutor,
    outcomes: { token: string | undefined; outcome: string }[],
    opts: Omit<WorkerOptions, 'connection'>,
  ) => {
    const w = new Worker(
      queueOfJob(STAGE_JOB.build),
      async (job: Job, token?: string) => {
        const ctx: JobContext = { job, token, signal: new AbortController().signal, logger };
        try {
          const outcome = await runner.run('build', job.data as StageJobPayload, executor, ctx);
          outcomes.push({ token, outcome });
          return outcome;
        } catch (error) {
          outcomes.push({ token, outcome: `error: ${(error as Error).message}` });
          throw error;
        }
      },
      { connection: redis.duplicate(), prefix, ...opts },
    );
    // The first execution's own BullMQ completion fails (its lock is gone): expected here.
    w.on('error', () => undefined);
    workers.push(w);
    return w;
  };

  it.each([
    ['the stale execution finishes first', [0, 1]],
    ['the stale execution finishes last', [1, 0]],
  ])(
    'only one completion is accepted, the next stage is enqueued once, attempts = 2 (%s)',
    async (_label, order) => {
      const runId = newRunId();
      const definition = `image/race-${order.join('')}/debian-12/1.yaml`;
      await runs.create({
        id: runId,
        definition,
        trigger: { kind: 'manual' },
        stages: ['build', 'test'],
        now: Date.now(),
      });
      producer.enqueued.length = 0;
      await producer.enqueue(STAGE_JOB.build, { v: 1, runId, definition }, { jobId: stageJobId(runId, 'build') });

      const executor = new GatedExecutor();
      const outcomes: { token: string | undefined; outcome: string }[] = [];
      // Worker 1 takes the job and never renews its short lock: it loses the job while it runs.
      worker(executor, outcomes, { lockDuration: 300, lockRenewTime: 3_600_000, skipStalledCheck: true });
      await waitFor(
        'the first execution to start',
        () => Promise.resolve(executor.executions.length === 1 ? true : undefined),
        20_000,
      );
      // Worker 2 finds the job stalled and runs it again while the first execution still runs.
      worker(executor, outcomes, { lockDuration: 30_000, stalledInterval: 200 });
      await waitFor(
        'the second execution to start',
        () => Promise.resolve(executor.executions.length === 2 ? true : undefined),
        20_000,
      );

      const [first, second] = executor.executions;
      expect(first!.token).toBeTruthy();
      expect(second!.token).toBeTruthy();
      expect(first!.token).not.toBe(second!.token);
      expect([first!.attempt, second!.attempt]).toEqual([1, 2]);

      for (const i of order) {
        executor.executions[i]!.release();
        await waitFor(
          `execution ${i + 1} to finish`,
          () => Promise.resolve(outcomes.some((o) => o.token === executor.executions[i]!.token) ? true : undefined),
          20_000,
        );
      }

      expect(outcomes.find((o) => o.token === first!.token)?.outcome).toBe('stale');
      expect(outcomes.find((o) => o.token === second!.token)?.outcome).toBe('succeeded');
      const run = (await runs.get(runId))!;
      expect(run.stages[0]).toMatchObject({
        stage: 'build',
        status: 'succeeded',
        attempts: 2,
        token: second!.token,
        completedToken: second!.token,
        refusals: 1,
        artifacts: { 'build.attempt': '2' },
      });
      expect(run.stages[1]).toMatchObject({ stage: 'test', status: 'queued' });
      // The next stage was enqueued once, by the accepted execution only.
      expect(producer.enqueued.filter((e) => e.startsWith(STAGE_JOB.test))).toEqual([
        `${STAGE_JOB.test} ${stageJobId(runId, 'test')}`,
      ]);
      expect(
        await (await producer.queue(queueOfJob(STAGE_JOB.test)).getJob(stageJobId(runId, 'test')))?.getState(),
      ).toBe('waiting');
      const refused = (await metrics.refusedTransitions.get()).values.find(
        (v) => v.labels['stage'] === 'build' && v.labels['reason'] === 'stale',
      );
      expect(refused?.value).toBeGreaterThanOrEqual(1);
    },
    60_000,
  );

  /** A delivery of a real BullMQ job (added to its queue), run by the runner directly. */
  const deliver = async (stage: 'build' | 'test', runId: string, definition: string, executor: StageExecutor) => {
    const job = await producer
      .queue(queueOfJob(STAGE_JOB[stage]))
      .add(STAGE_JOB[stage], { v: 1, runId, definition }, { jobId: `${stageJobId(runId, stage)}.delivery` });
    const ctx: JobContext = { job, token: undefined, signal: new AbortController().signal, logger };
    return runner.run(stage, { v: 1, runId, definition }, executor, ctx);
  };

  it('a stage job whose previous stage is not done in the store does not run; the lost previous job is enqueued again', async () => {
    const runId = newRunId();
    const definition = 'image/rolled-back/debian-12/1.yaml';
    await runs.create({
      id: runId,
      definition,
      trigger: { kind: 'manual' },
      stages: ['build', 'test'],
      now: Date.now(),
    });
    // After a rollback the store has build running, and its job is gone.
    await runs.startStage(runId, 'build', Date.now(), 'lost');
    let ran = 0;
    const executor: StageExecutor = { execute: () => Promise.resolve(void ran++) };
    const refused = deliver('test', runId, definition, executor);
    await expect(refused).rejects.toBeInstanceOf(RetryableError);
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.stageOutOfDate });
    expect(ran).toBe(0);
    const run = (await runs.get(runId))!;
    expect(run.stages[1]).toMatchObject({ stage: 'test', status: 'pending', attempts: 0, refusals: 1 });
    expect(
      await (await producer.queue(queueOfJob(STAGE_JOB.build)).getJob(stageJobId(runId, 'build')))?.getState(),
    ).toBe('waiting');
  });

  it('an execution whose start the store lost is refused at completion and retried; nothing is enqueued', async () => {
    const runId = newRunId();
    const definition = 'image/lost-start/debian-12/1.yaml';
    await runs.create({
      id: runId,
      definition,
      trigger: { kind: 'manual' },
      stages: ['build', 'test'],
      now: Date.now(),
    });
    const keys = new StoreKeys(prefix);
    const queuedBuild = (await redis.hget(keys.run(runId), 'stage:build'))!;
    producer.enqueued.length = 0;
    // While the executor runs, the store rolls back to before its start.
    const executor: StageExecutor = {
      execute: async () => void (await redis.hset(keys.run(runId), 'stage:build', queuedBuild)),
    };
    await expect(deliver('build', runId, definition, executor)).rejects.toMatchObject({
      code: ErrorCode.stageOutOfDate,
    });
    const run = (await runs.get(runId))!;
    expect(run.stages.map((st) => [st.stage, st.status, st.attempts])).toEqual([
      ['build', 'queued', 0],
      ['test', 'pending', 0],
    ]);
    expect(producer.enqueued.filter((e) => e.startsWith(STAGE_JOB.test))).toEqual([]);
    expect(await runs.completions(runId)).toBe(0);
  });

  it('resume (an outside event, no token) completes a parked stage, and refuses one whose previous stage a rollback undid', async () => {
    const definition = 'image/parked/debian-12/1.yaml';
    const parked = newRunId();
    await runs.create({
      id: parked,
      definition,
      trigger: { kind: 'manual' },
      stages: ['build', 'test'],
      now: Date.now(),
    });
    const park: StageExecutor = { execute: () => Promise.resolve({ await: { reason: 'waits for a merge' } }) };
    expect(await deliver('build', parked, definition, park)).toBe('awaiting');
    expect(await runner.resume(parked, 'build', { 'build.digest': 'sha256:07' })).toBe('resumed');
    expect(await runner.resume(parked, 'build')).toBe('already-resumed');
    const run = (await runs.get(parked))!;
    expect(run.stages[0]).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      completedToken: run.stages[0]!.token,
      artifacts: { 'build.digest': 'sha256:07' },
    });
    expect(run.stages[1]).toMatchObject({ status: 'queued' });

    const undone = newRunId();
    await runs.create({
      id: undone,
      definition,
      trigger: { kind: 'manual' },
      stages: ['build', 'test'],
      now: Date.now(),
    });
    const keys = new StoreKeys(prefix);
    const queuedBuild = (await redis.hget(keys.run(undone), 'stage:build'))!;
    await runs.startStage(undone, 'build', Date.now(), 'b1');
    await runs.completeStage(undone, 'build', { durationMs: 1, artifacts: {} }, Date.now(), 'b1');
    await runs.startStage(undone, 'test', Date.now(), 't1');
    await runs.awaitStage(undone, 'test', 'waits', Date.now(), 't1');
    await redis.hset(keys.run(undone), 'stage:build', queuedBuild);
    expect(await runner.resume(undone, 'test')).toBe('not-waiting');
    expect((await runs.get(undone))!.stages[1]).toMatchObject({ status: 'awaiting' });
  });
});
