import { Worker, type Job, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import {
  QueueName,
  RetryableError,
  TerminalError,
  queueOfJob,
  type JobName,
  type JobPayload,
  type StageJobPayload,
} from '@patch-factory/contracts';
import { JobProducer, toBullError, type JobContext } from '@patch-factory/queue';
import { RunRepository } from '@patch-factory/store';
import { FactoryMetrics, createLogger } from '@patch-factory/telemetry';
import { dropPrefix, sharedRedisUrl, testPrefix, waitFor } from '@patch-factory/testing';
import { JOB_OPTIONS } from './job-options';
import { stageArtifact } from './run-artifacts';
import { newRunId } from './run-id';
import { RunReconciler } from './run-reconciler';
import type { AnyStageExecutor, StageContext, StageExecutor } from './stage-executor';
import { StageRunner } from './stage-runner';
import { STAGE_JOB, TRANSITIONS, runStagesBetween, stageJobId, type RunStage } from './transitions';

/** A real JobProducer that also records what it was asked to enqueue (job name and id). */
class RecordingProducer extends JobProducer {
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

/** An executor whose executions each wait until the test lets them go (or fail them). */
class GatedExecutor implements StageExecutor {
  readonly executions: {
    token: string | undefined;
    attempt: number;
    release: () => void;
    fail: (error: Error) => void;
  }[] = [];
  execute(ctx: StageContext): Promise<{ artifacts: Record<string, string> }> {
    return new Promise((resolve, reject) =>
      this.executions.push({
        token: ctx.executionToken,
        attempt: ctx.attempt,
        release: () => resolve({ artifacts: { 'build.digest': `sha256:attempt-${ctx.attempt}` } }),
        fail: reject,
      }),
    );
  }
}

const started = (executor: GatedExecutor, n: number) => () =>
  Promise.resolve(executor.executions.length >= n ? true : undefined);

/**
 * The StageRunner on real Redis and real BullMQ workers, in BullMQ's own test style
 * (tests/stalled_jobs.test.ts in taskforcesh/bullmq): every test gets fresh queues (here a fresh
 * key prefix, since a stage's queue name is fixed by its job) made in beforeEach, and its
 * workers, producer and keys are closed and removed in afterEach. Stage jobs run through the
 * runner as WorkerHost runs them: the runner's error goes to BullMQ through toBullError, so a
 * TerminalError is never retried and a RetryableError is, per JOB_OPTIONS.
 */
describe('StageRunner (real Redis + BullMQ)', () => {
  const url = sharedRedisUrl();
  const logger = createLogger('stage-runner-spec', 'silent');
  let prefix: string;
  let redis: Redis;
  let runs: RunRepository;
  let producer: RecordingProducer;
  let metrics: FactoryMetrics;
  let runner: StageRunner;
  let workers: Worker[];
  let connections: Redis[];

  beforeEach(() => {
    prefix = testPrefix();
    redis = new Redis(url, { maxRetriesPerRequest: null });
    // The policy of JOB_OPTIONS (attempts, backoff type) with a short backoff delay, as the e2e tests run it.
    const config = loadConfig({ PF_PREFIX: prefix, PF_REDIS_URL: url, PF_BACKOFF_DELAY_MS: '20' });
    runs = new RunRepository(redis, prefix);
    producer = new RecordingProducer(redis, config, { service: 'test', owns: [], jobOptions: JOB_OPTIONS });
    metrics = new FactoryMetrics('test');
    runner = new StageRunner(runs, producer, metrics, logger, new RunReconciler(runs, producer, logger));
    workers = [];
    connections = [];
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.close(true)));
    for (const c of connections) c.disconnect();
    await producer.onApplicationShutdown();
    await dropPrefix(url, prefix);
    redis.disconnect();
  });

  /** A BullMQ worker of `stage`'s queue whose processor is the runner (as WorkerHost calls it). */
  const worker = (
    stage: RunStage,
    executor: AnyStageExecutor,
    opts: Omit<WorkerOptions, 'connection' | 'prefix'> = {},
    outcomes: string[] = [],
  ): Worker => {
    const connection = redis.duplicate();
    connections.push(connection);
    const w = new Worker(
      queueOfJob(STAGE_JOB[stage]),
      async (job: Job, token?: string) => {
        const ctx: JobContext = { job, token, signal: new AbortController().signal, logger };
        try {
          const outcome = await runner.run(stage, job.data as StageJobPayload, executor, ctx);
          outcomes.push(outcome);
          return outcome;
        } catch (error) {
          outcomes.push(`error: ${(error as Error).message}`);
          throw toBullError(error);
        }
      },
      { connection, prefix, ...opts },
    );
    // A job whose lock is lost (the crash test) fails to complete in BullMQ: expected there.
    w.on('error', () => undefined);
    workers.push(w);
    return w;
  };

  /** A new run of `stages` whose first stage job is enqueued (as RunLauncher does). */
  const launch = async (stages: RunStage[], name: string): Promise<{ runId: string; definition: string }> => {
    const runId = newRunId();
    const definition = `image/${name}/debian-12/1.yaml`;
    await runs.create({ id: runId, definition, trigger: { kind: 'manual' }, stages, now: Date.now() });
    await producer.enqueue(
      STAGE_JOB[stages[0]!],
      { v: 1, runId, definition },
      { jobId: stageJobId(runId, stages[0]!) },
    );
    return { runId, definition };
  };

  /** A delivery of a stage job (a real BullMQ job under an id of its own), run by the runner directly. */
  const deliver = async (
    stage: RunStage,
    runId: string,
    definition: string,
    executor: StageExecutor,
    n: number,
  ): Promise<string> => {
    const job = await producer
      .queue(queueOfJob(STAGE_JOB[stage]))
      .add(STAGE_JOB[stage], { v: 1, runId, definition }, { jobId: `${stageJobId(runId, stage)}.delivery-${n}` });
    return runner.run(stage, { v: 1, runId, definition }, executor, {
      job,
      token: undefined,
      signal: new AbortController().signal,
      logger,
    });
  };

  const stageJob = (runId: string, stage: RunStage) =>
    producer.queue(queueOfJob(STAGE_JOB[stage])).getJob(stageJobId(runId, stage));
  const stateOf = async (runId: string, stage: RunStage) => (await stageJob(runId, stage))?.getState();
  const settled = (runId: string, stage: RunStage) => async () => {
    const state = await stateOf(runId, stage);
    return state === 'completed' || state === 'failed' ? state : undefined;
  };
  const enqueuedOf = (stage: RunStage) => producer.enqueued.filter((e) => e.startsWith(`${STAGE_JOB[stage]} `));
  const jobsIn = async (stage: RunStage) => {
    const counts = await producer
      .queue(queueOfJob(STAGE_JOB[stage]))
      .getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };

  it('a successful stage is recorded and the next stage in TRANSITIONS is enqueued once, under its deterministic id', async () => {
    const stages = runStagesBetween('build', 'scan');
    const { runId, definition } = await launch(stages, 'advance');
    let calls = 0;
    const build: StageExecutor<'build'> = {
      execute: () => Promise.resolve(void calls++).then(() => ({ artifacts: { 'build.digest': 'sha256:01' } })),
    };
    worker('build', build);
    expect(await waitFor('the build job to settle', settled(runId, 'build'), 20_000)).toBe('completed');

    const next = TRANSITIONS.build;
    expect(next).toBe('test');
    expect(calls).toBe(1);
    const run = (await runs.get(runId))!;
    expect(run.state).toBe('running');
    expect(run.stages.map((s) => [s.stage, s.status, s.attempts])).toEqual([
      ['build', 'succeeded', 1],
      [next, 'queued', 0],
      ['scan', 'pending', 0],
    ]);
    expect(enqueuedOf(next)).toEqual([`${STAGE_JOB[next]} ${stageJobId(runId, next)}`]);
    const job = await stageJob(runId, next);
    expect(await job?.getState()).toBe('waiting');
    expect(job?.data).toMatchObject({ v: 1, runId, definition });
    // Nothing further: only the accepted stage chains its one follow-up.
    expect(enqueuedOf('scan')).toEqual([]);
    expect(await (await stageJob(runId, 'build'))?.returnvalue).toBe('succeeded');
  });

  it('a RetryableError is retried per JOB_OPTIONS: the stage succeeds on a later attempt, the failures noted, the run not failed', async () => {
    const attempts = JOB_OPTIONS[STAGE_JOB.build].attempts;
    expect(attempts).toBeGreaterThan(1);
    const { runId } = await launch(['build', 'test'], 'retry-passes');
    const seen: number[] = [];
    const build: StageExecutor = {
      execute: (ctx) => {
        seen.push(ctx.attempt);
        return ctx.attempt < attempts
          ? Promise.reject(new RetryableError('registry-unavailable', `attempt ${ctx.attempt}: try later`))
          : Promise.resolve({ artifacts: {} });
      },
    };
    worker('build', build);
    expect(await waitFor('the build job to settle', settled(runId, 'build'), 30_000)).toBe('completed');
    expect(seen).toEqual(Array.from({ length: attempts }, (_, i) => i + 1));
    const job = (await stageJob(runId, 'build'))!;
    expect(job.attemptsMade).toBe(attempts);
    const run = (await runs.get(runId))!;
    expect(run.state).toBe('running');
    expect(run.error).toBeUndefined();
    expect(run.stages[0]).toMatchObject({ stage: 'build', status: 'succeeded', attempts });
    expect(run.stages[1]).toMatchObject({ stage: 'test', status: 'queued' });
    expect(enqueuedOf('test')).toHaveLength(1);
  });

  it('a RetryableError on every attempt fails the run with its code after exactly the attempts of JOB_OPTIONS', async () => {
    const attempts = JOB_OPTIONS[STAGE_JOB.build].attempts;
    const { runId } = await launch(['build', 'test'], 'retry-exhausted');
    let calls = 0;
    const build: StageExecutor = {
      execute: () =>
        Promise.reject(new RetryableError('registry-unavailable', `call ${++calls}: the registry is down`)),
    };
    worker('build', build);
    expect(await waitFor('the build job to settle', settled(runId, 'build'), 30_000)).toBe('failed');
    expect(calls).toBe(attempts);
    expect((await stageJob(runId, 'build'))!.attemptsMade).toBe(attempts);
    const run = (await runs.get(runId))!;
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ stage: 'build', code: 'registry-unavailable' });
    expect(run.stages[0]).toMatchObject({ status: 'failed', attempts });
    expect(run.stages[1]).toMatchObject({ status: 'pending' });
    expect(enqueuedOf('test')).toEqual([]);
    expect(await jobsIn('test')).toBe(0);
  });

  it('a TerminalError fails the run with its code at once, without a retry', async () => {
    const { runId } = await launch(['build', 'test'], 'terminal');
    let calls = 0;
    const build: StageExecutor = {
      execute: () => Promise.reject(new TerminalError('definition-invalid', `call ${++calls}: no such base image`)),
    };
    worker('build', build);
    expect(await waitFor('the build job to settle', settled(runId, 'build'), 20_000)).toBe('failed');
    expect(calls).toBe(1);
    const job = (await stageJob(runId, 'build'))!;
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain('definition-invalid');
    const run = (await runs.get(runId))!;
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({
      stage: 'build',
      code: 'definition-invalid',
      message: 'call 1: no such base image',
    });
    expect(run.stages[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(enqueuedOf('test')).toEqual([]);
  });

  it('a stale retry changes nothing: the failure of an earlier attempt, while a later one runs, neither fails the run nor stops the later one', async () => {
    const { runId, definition } = await launch(['build', 'test'], 'stale-attempt');
    const executor = new GatedExecutor();
    const first = deliver('build', runId, definition, executor, 1);
    await waitFor('attempt 1 to start', started(executor, 1), 20_000);
    const second = deliver('build', runId, definition, executor, 2);
    await waitFor('attempt 2 to start', started(executor, 2), 20_000);
    const before = (await runs.get(runId))!;
    expect(before.stages[0]).toMatchObject({ status: 'running', attempts: 2, token: executor.executions[1]!.token });

    // Attempt 1 now ends with a TerminalError: out of date, it must not fail the run.
    executor.executions[0]!.fail(new TerminalError('definition-invalid', 'attempt 1 failed late'));
    await expect(first).rejects.toMatchObject({ code: 'definition-invalid' });
    const after = (await runs.get(runId))!;
    expect(after.state).toBe(before.state);
    expect(after.error).toBeUndefined();
    // Only counted as a refused transition of the stage.
    expect(after.stages).toEqual([{ ...before.stages[0], refusals: 1 }, before.stages[1]]);
    expect(enqueuedOf('test')).toEqual([]);

    // The later attempt goes on and is the one recorded.
    executor.executions[1]!.release();
    expect(await second).toBe('succeeded');
    const done = (await runs.get(runId))!;
    expect(done.stages[0]).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      completedToken: executor.executions[1]!.token,
      artifacts: { 'build.digest': 'sha256:attempt-2' },
    });
    expect(done.stages[0]!.error).toBeUndefined();
    expect(enqueuedOf('test')).toHaveLength(1);
    expect(await jobsIn('test')).toBe(1);
  });

  it('a job of a run failed at its stage, run again (its process died before its dead letter), runs no executor and asks once for pipeline.failed', async () => {
    const { runId, definition } = await launch(['build', 'test'], 'failed-rerun');
    expect(await runs.failRun(runId, 'build', 'definition-invalid', 'no such base image')).toBe('ok');
    let calls = 0;
    const executor: StageExecutor = { execute: () => Promise.resolve(void calls++) };
    expect(await deliver('build', runId, definition, executor, 1)).toBe('skipped');
    expect(await deliver('build', runId, definition, executor, 2)).toBe('skipped');
    expect(calls).toBe(0);
    expect(producer.enqueued.filter((e) => e.startsWith('webhook.run-failed '))).toEqual([
      `webhook.run-failed ${runId}.failed-event`,
      `webhook.run-failed ${runId}.failed-event`,
    ]);
    const counts = await producer.queue(QueueName.webhooks).getJobCounts('waiting', 'prioritized', 'delayed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
    expect(enqueuedOf('test')).toEqual([]);
  });

  it('a stale retry changes nothing: a job of a superseded run runs no executor and enqueues nothing', async () => {
    const { runId } = await launch(['build', 'test'], 'superseded');
    expect(await runs.supersede(runId, 'build', newRunId(), 'a newer run of this definition')).toBe('ok');
    const before = (await runs.get(runId))!;
    let calls = 0;
    worker('build', { execute: () => Promise.resolve(void calls++) });
    expect(await waitFor('the build job to settle', settled(runId, 'build'), 20_000)).toBe('completed');
    expect(await (await stageJob(runId, 'build'))?.returnvalue).toBe('skipped');
    expect(calls).toBe(0);
    const after = (await runs.get(runId))!;
    expect(after.state).toBe('superseded');
    expect(after.stages).toEqual(before.stages);
    expect(enqueuedOf('test')).toEqual([]);
    expect(await jobsIn('test')).toBe(0);
  });

  it('a duplicate delivery of a finished stage runs no executor and does not enqueue the next stage twice', async () => {
    const { runId, definition } = await launch(['build', 'test'], 'duplicate');
    let calls = 0;
    const build: StageExecutor = { execute: () => Promise.resolve(void calls++) };
    expect(await deliver('build', runId, definition, build, 1)).toBe('succeeded');
    expect(await deliver('build', runId, definition, build, 2)).toBe('already-done');
    expect(calls).toBe(1);
    expect((await runs.get(runId))!.stages[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    // The duplicate re-ensures the next job under the same id: still one job in the next queue.
    expect(await jobsIn('test')).toBe(1);
    expect(new Set(enqueuedOf('test'))).toEqual(new Set([`${STAGE_JOB.test} ${stageJobId(runId, 'test')}`]));
  });

  it('two concurrent deliveries of one stage: one completion is accepted and the next stage is enqueued once', async () => {
    const { runId, definition } = await launch(['build', 'test'], 'concurrent');
    const executor = new GatedExecutor();
    const a = deliver('build', runId, definition, executor, 1);
    await waitFor('delivery 1 to start', started(executor, 1), 20_000);
    const b = deliver('build', runId, definition, executor, 2);
    await waitFor('delivery 2 to start', started(executor, 2), 20_000);
    executor.executions[0]!.release();
    executor.executions[1]!.release();
    expect([await a, await b]).toEqual(['stale', 'succeeded']);
    expect(enqueuedOf('test')).toHaveLength(1);
    expect(await jobsIn('test')).toBe(1);
    expect((await runs.get(runId))!.stages[0]).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      artifacts: { 'build.digest': 'sha256:attempt-2' },
    });
  });

  it('the artifacts a stage writes are what the next stage reads, through the queues', async () => {
    const { runId } = await launch(['build', 'test'], 'artifacts');
    const build: StageExecutor<'build'> = {
      execute: (ctx) =>
        Promise.resolve({ artifacts: { 'build.digest': `sha256:${ctx.runId.slice(-8)}`, 'build.layout': 'image' } }),
    };
    const read: (string | undefined)[] = [];
    const test: StageExecutor<'test'> = {
      execute: async (ctx) => {
        const run = await ctx.loadRun();
        read.push(stageArtifact(run, 'build', 'build.digest'), stageArtifact(run, 'build', 'build.layout'));
        return { artifacts: { 'test.passed': '3' } };
      },
    };
    worker('build', build);
    worker('test', test);
    expect(await waitFor('the test job to settle', settled(runId, 'test'), 20_000)).toBe('completed');
    expect(read).toEqual([`sha256:${runId.slice(-8)}`, 'image']);
    const run = (await runs.get(runId))!;
    expect(run.state).toBe('succeeded');
    expect(run.stages[1]).toMatchObject({ stage: 'test', status: 'succeeded', artifacts: { 'test.passed': '3' } });
  });

  it('a worker that crashes mid-step (closed while its stage runs) leaves the job to be retried by another worker, not lost', async () => {
    const { runId } = await launch(['build', 'test'], 'crash');
    const executor = new GatedExecutor();
    const firstOutcomes: string[] = [];
    // The first worker's lock is short and it dies without a word: nothing renews or releases its job.
    // Both workers look for stalled jobs as often (BullMQ runs one check per interval per queue).
    const first = worker('build', executor, { lockDuration: 500, stalledInterval: 200 }, firstOutcomes);
    await waitFor('the first execution to start', started(executor, 1), 20_000);
    await first.close(true);
    expect(await stateOf(runId, 'build')).toBe('active');

    // A second worker finds the job stalled and runs it again.
    const outcomes: string[] = [];
    worker('build', executor, { lockDuration: 30_000, stalledInterval: 200 }, outcomes);
    await waitFor('the second execution to start', started(executor, 2), 20_000);
    executor.executions[1]!.release();
    expect(await waitFor('the build job to settle', settled(runId, 'build'), 20_000)).toBe('completed');
    expect(outcomes).toEqual(['succeeded']);
    const job = (await stageJob(runId, 'build'))!;
    expect(job.stalledCounter).toBe(1);
    const run = (await runs.get(runId))!;
    expect(run.stages[0]).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      completedToken: executor.executions[1]!.token,
    });
    expect(run.stages[1]).toMatchObject({ status: 'queued' });
    expect(enqueuedOf('test')).toHaveLength(1);

    // The crashed execution, should it ever finish, is out of date and changes nothing.
    executor.executions[0]!.release();
    await waitFor(
      'the crashed execution to end',
      () => Promise.resolve(firstOutcomes.length > 0 ? true : undefined),
      20_000,
    );
    expect(firstOutcomes).toEqual(['stale']);
    expect((await runs.get(runId))!.stages[0]).toMatchObject({
      completedToken: executor.executions[1]!.token,
      artifacts: { 'build.digest': 'sha256:attempt-2' },
    });
    expect(enqueuedOf('test')).toHaveLength(1);
  }, 60_000);
});
