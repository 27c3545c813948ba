import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { queueOfJob, type StageRecord } from '@patch-factory/contracts';
import { JobProducer } from '@patch-factory/queue';
import { RunRepository, StoreKeys } from '@patch-factory/store';
import { createLogger } from '@patch-factory/telemetry';
import { dropPrefix, sharedRedisUrl, testPrefix, waitFor } from '@patch-factory/testing';
import { JOB_OPTIONS } from './job-options';
import { newRunId } from './run-id';
import { RunReconciler } from './run-reconciler';
import { STAGE_JOB, stageJobId } from './transitions';

/**
 * The run's stages re-derived from its queues (issue 13): after a store rollback, a run whose
 * earliest unfinished stage has no live job gets that job again (same deterministic id), and
 * a stage recorded succeeded without a recorded start is put back. Real Redis and BullMQ.
 */
describe('RunReconciler (real Redis + BullMQ)', () => {
  const url = sharedRedisUrl();
  const prefix = testPrefix();
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const config = loadConfig({ PF_PREFIX: prefix, PF_REDIS_URL: url });
  const logger = createLogger('run-reconciler', 'silent');
  const runs = new RunRepository(redis, prefix);
  const keys = new StoreKeys(prefix);
  const producer = new JobProducer(redis, config, { service: 'test', owns: [], jobOptions: JOB_OPTIONS });
  const reconciler = new RunReconciler(runs, producer, logger);
  afterAll(async () => {
    await producer.onApplicationShutdown();
    await dropPrefix(url, prefix);
    redis.disconnect();
  });

  const definition = 'image/reconcile/debian-12/1.yaml';
  const newRun = async (): Promise<string> => {
    const id = newRunId();
    await runs.create({
      id,
      definition,
      trigger: { kind: 'manual' },
      stages: ['build', 'test', 'scan'],
      now: Date.now(),
    });
    return id;
  };
  const succeed = async (id: string, stage: 'build' | 'test', token: string) => {
    await runs.startStage(id, stage, Date.now(), token);
    expect((await runs.completeStage(id, stage, { durationMs: 1, artifacts: {} }, Date.now(), token)).kind).toBe('ok');
  };
  const jobState = async (id: string, stage: 'build' | 'test' | 'scan') =>
    (await producer.queue(queueOfJob(STAGE_JOB[stage])).getJob(stageJobId(id, stage)))?.getState() ?? 'missing';

  it('enqueues the earliest unfinished stage again when its job was lost, once', async () => {
    const id = await newRun();
    await succeed(id, 'build', 'b1');
    // The store says test is queued, but its job is gone (lost in a rollback).
    expect(await jobState(id, 'test')).toBe('missing');
    expect(await reconciler.reconcile(id)).toEqual({
      action: 're-enqueued',
      stage: 'test',
      removedFinished: false,
      unstarted: [],
    });
    expect(await jobState(id, 'test')).toBe('waiting');
    const job = await producer.queue(queueOfJob(STAGE_JOB.test)).getJob(stageJobId(id, 'test'));
    expect(job?.data).toEqual({ v: 1, runId: id, definition });
    // Idempotent: the job is live now, nothing more is done.
    expect(await reconciler.reconcile(id)).toEqual({
      action: 'none',
      reason: 'job-live',
      stage: 'test',
      unstarted: [],
    });
  });

  it('replaces a job that finished without its completion being accepted (same id)', async () => {
    const id = await newRun();
    await producer.enqueue(STAGE_JOB.build, { v: 1, runId: id, definition }, { jobId: stageJobId(id, 'build') });
    // A worker finishes the build job, but the store never took its completion (it had rolled back).
    const worker = new Worker(queueOfJob(STAGE_JOB.build), () => Promise.resolve('refused'), {
      connection: redis.duplicate(),
      prefix,
    });
    try {
      await waitFor(
        'the build job to finish',
        async () => ((await jobState(id, 'build')) === 'completed' ? true : undefined),
        20_000,
      );
    } finally {
      await worker.close();
    }
    expect((await runs.get(id))!.stages[0]).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await reconciler.reconcile(id)).toEqual({
      action: 're-enqueued',
      stage: 'build',
      removedFinished: true,
      unstarted: [],
    });
    expect(await jobState(id, 'build')).toBe('waiting');
  });

  it('puts back a stage recorded succeeded without a start, and leaves a run whose unfinished stage has a live job alone', async () => {
    const id = await newRun();
    await producer.enqueue(STAGE_JOB.build, { v: 1, runId: id, definition }, { jobId: stageJobId(id, 'build') });
    await runs.startStage(id, 'build', Date.now(), 'b1');
    // What the old store let through: test completed (0 attempts) while build still ran.
    const ghost: StageRecord = {
      stage: 'test',
      status: 'succeeded',
      attempts: 0,
      finishedAt: 1,
      durationMs: 1,
      artifacts: { 'test.report': 'x' },
    };
    await redis.hset(keys.run(id), 'stage:test', JSON.stringify(ghost));
    expect(await reconciler.reconcile(id)).toEqual({
      action: 'none',
      reason: 'job-live',
      stage: 'build',
      unstarted: ['test'],
    });
    const run = (await runs.get(id))!;
    expect(run.stages.map((s) => [s.stage, s.status, s.attempts])).toEqual([
      ['build', 'running', 1],
      ['test', 'pending', 0],
      ['scan', 'pending', 0],
    ]);
    expect(run.stages[1]!.artifacts).toEqual({});
  });

  it('leaves ended, parked and dead-lettered runs to their own paths', async () => {
    const ended = await newRun();
    await runs.startStage(ended, 'build', Date.now(), 'b1');
    await runs.failRun(ended, 'build', 'boom', 'broke', Date.now(), 'b1');
    expect(await reconciler.reconcile(ended)).toEqual({ action: 'none', reason: 'ended', unstarted: [] });

    const parked = await newRun();
    await runs.startStage(parked, 'build', Date.now(), 'p1');
    await runs.awaitStage(parked, 'build', 'waits for a merge', Date.now(), 'p1');
    expect(await reconciler.reconcile(parked)).toEqual({
      action: 'none',
      reason: 'awaiting',
      stage: 'build',
      unstarted: [],
    });

    const dead = await newRun();
    await producer.enqueue(STAGE_JOB.build, { v: 1, runId: dead, definition }, { jobId: stageJobId(dead, 'build') });
    const worker = new Worker(
      queueOfJob(STAGE_JOB.build),
      () => Promise.reject(new UnrecoverableError('fails for good')),
      { connection: redis.duplicate(), prefix },
    );
    try {
      await waitFor(
        'the build job to fail',
        async () => ((await jobState(dead, 'build')) === 'failed' ? true : undefined),
        20_000,
      );
    } finally {
      await worker.close();
    }
    expect(await reconciler.reconcile(dead)).toEqual({
      action: 'none',
      reason: 'job-failed',
      stage: 'build',
      unstarted: [],
    });
    expect(await reconciler.reconcile('run_does_not_exist')).toEqual({
      action: 'none',
      reason: 'missing',
      unstarted: [],
    });
  });
});
