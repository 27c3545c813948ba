import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { context as otelContext } from '@opentelemetry/api';
import {
  ErrorCode,
  PipelineError,
  RetryableError,
  TerminalError,
  type StageJobPayload,
} from '@patch-factory/contracts';
import { JobProducer, type JobContext } from '@patch-factory/queue';
import { RunRepository, isRefusal, newExecutionToken, type Refusal } from '@patch-factory/store';
import { FactoryMetrics, LOGGER, extractTrace, inSpan, injectTrace, type Logger } from '@patch-factory/telemetry';
import { JOB_OPTIONS } from './job-options';
import { progressReporter } from './progress-reporter';
import { RunReconciler } from './run-reconciler';
import { enqueueRunFailedEvent } from './run-dead-letter.hooks';
import type { AnyStageExecutor, StageExecutor, StageResult, WrittenArtifacts } from './stage-executor';
import { STAGE_JOB, stageJobId, type RunStage } from './transitions';

const MAX_ARTIFACTS = 64;
const MAX_ARTIFACT_CHARS = 2048;

/**
 * Runs one stage of a run: marks it started, calls the stage's executor, records the
 * result and enqueues the next stage (the one place where follow-up jobs are chained).
 * A duplicate delivery of a finished stage only re-ensures the next job exists.
 *
 * Each execution is fenced by its own token (the BullMQ lock token of the delivery, or a
 * fresh one): the store applies its completion only while it is the stage's current
 * execution, the stage is running and the previous stage has succeeded. A refused (stale)
 * execution enqueues nothing; the run's stages are then re-derived from the queues
 * (RunReconciler). A refusal because the store lost this execution's start or the previous
 * stage's completion (a rollback) is retried: the job runs again from a fresh start.
 */
@Injectable()
export class StageRunner {
  constructor(
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
    private readonly metrics: FactoryMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly reconciler: RunReconciler,
  ) {}

  async run(stage: RunStage, payload: StageJobPayload, executor: AnyStageExecutor, job: JobContext): Promise<string> {
    const startedAt = Date.now();
    this.metrics.handoffLatency.observe({ stage }, Math.max(0, startedAt - job.job.timestamp) / 1000);
    const attrs = { 'pf.run_id': payload.runId, 'pf.stage': stage, 'pf.definition': payload.definition };
    return inSpan(`stage ${stage}`, extractTrace(payload.trace), attrs, async () => {
      const token = job.token || newExecutionToken();
      const start = await this.runs.startStage(payload.runId, stage, startedAt, token);
      switch (start.kind) {
        case 'missing':
          throw new TerminalError(ErrorCode.runNotFound, `run ${payload.runId} does not exist (stage ${stage})`);
        case 'no-stage':
          throw new TerminalError('stage-not-in-run', `run ${payload.runId} has no ${stage} stage`);
        case 'ended':
          if (this.logger.isLevelEnabled('info'))
            job.logger.info({ runId: payload.runId, state: start.state }, 'run already ended; stage job skipped');
          // A failed run's job run again (its process died after recording the failure, before its
          // dead letter): subscribers still hear of the failure (the job id makes it once).
          if (start.state === 'failed') await enqueueRunFailedEvent(this.producer, payload.runId);
          return 'skipped';
        case 'done':
          await this.enqueueNext(start.next as RunStage | null, payload);
          return 'already-done';
        case 'out-of-order':
          return this.refused(stage, 'start', 'out-of-order', payload, job, start.detail);
        case 'started':
          break;
      }
      let result: StageResult | void;
      let logger: Logger | undefined;
      try {
        // The executor bound to `stage` (PipelineModule binds each stage's executor by its stage).
        result = await (executor as StageExecutor).execute({
          runId: payload.runId,
          stage,
          definition: payload.definition,
          attempt: start.attempts,
          idempotencyKey: `${payload.runId}:${stage}`,
          executionToken: token,
          signal: job.signal,
          get logger(): Logger {
            return (logger ??= job.logger.child({ runId: payload.runId, stage }));
          },
          loadRun: () => this.runs.get(payload.runId),
          progress: progressReporter(job.job),
        });
      } catch (error) {
        await this.recordFailure(stage, payload, job, error, startedAt, token);
        throw error;
      }
      const durationMs = Date.now() - startedAt;
      if (result?.await) {
        const parked = await this.runs.awaitStage(
          payload.runId,
          stage,
          result.await.reason.slice(0, 512),
          Date.now(),
          token,
        );
        if (isRefusal(parked)) return this.refused(stage, 'await', parked, payload, job);
        this.metrics.stageDuration.observe({ stage, outcome: 'awaiting' }, durationMs / 1000);
        return 'awaiting';
      }
      const artifacts = checkArtifacts(stage, result?.artifacts ?? {});
      const done = await this.runs.completeStage(payload.runId, stage, { durationMs, artifacts }, Date.now(), token);
      if (isRefusal(done.kind)) return this.refused(stage, 'complete', done.kind, payload, job, done.detail);
      this.metrics.stageDuration.observe({ stage, outcome: 'succeeded' }, durationMs / 1000);
      if (done.kind === 'ended') return 'run-ended';
      if (done.next) await this.enqueueNext(done.next as RunStage, payload);
      else if (done.kind === 'ok' && this.logger.isLevelEnabled('info'))
        job.logger.info({ runId: payload.runId }, 'run succeeded');
      return 'succeeded';
    });
  }

  /**
   * Resumes a run parked at `stage` (a StageResult with `await`) when the outside event it
   * waits for arrives (e.g. its pull request was merged): the stage is recorded as succeeded
   * and the run's next stage enqueued. Idempotent: a second call re-ensures the next job
   * (same deterministic id) and changes nothing else. A stage still running when the event
   * arrives is completed all the same (its own later `await` finds it done).
   */
  async resume<S extends RunStage>(
    runId: string,
    stage: S,
    artifacts: WrittenArtifacts<S> = {},
  ): Promise<'resumed' | 'already-resumed' | 'not-waiting' | 'missing'> {
    const run = await this.runs.get(runId);
    const rec = run?.stages.find((s) => s.stage === stage);
    if (!run || !rec) return 'missing';
    const payload: StageJobPayload = {
      v: 1,
      runId,
      definition: run.definition,
      ...(run.traceId ? { trace: traceCarrierOf(run.traceId) } : {}),
    };
    if (rec.status === 'succeeded') {
      const order = run.stages.map((s) => s.stage);
      await this.enqueueNext((order[order.indexOf(stage) + 1] as RunStage | undefined) ?? null, payload);
      return 'already-resumed';
    }
    if (rec.status !== 'awaiting' && rec.status !== 'running') return 'not-waiting';
    const durationMs = rec.startedAt ? Math.max(0, Date.now() - rec.startedAt) : 0;
    const done = await this.runs.completeStage(runId, stage, {
      durationMs,
      artifacts: checkArtifacts(stage, artifacts),
    });
    if (done.kind === 'ended' || done.kind === 'missing' || done.kind === 'no-stage') return 'not-waiting';
    if (isRefusal(done.kind)) {
      // An outside event for a run the store no longer has at this stage (its previous stage undone by a rollback).
      this.metrics.refusedTransitions.inc({ stage, transition: 'resume', reason: done.kind });
      this.logger.warn(
        { runId, stage, transition: 'resume', reason: done.kind, detail: done.detail },
        'run store refused an out-of-date stage transition',
      );
      return 'not-waiting';
    }
    await this.enqueueNext(done.next as RunStage | null, payload);
    return done.kind === 'dup' ? 'already-resumed' : 'resumed';
  }

  /**
   * The store refused this execution's transition as out of date: logged, counted, and the
   * run's stages re-derived from the queues. A stale execution (a newer one owns the stage)
   * stops here and enqueues nothing. When the store has lost this execution's start or the
   * previous stage's completion, the job is retried (RetryableError) so that it runs again
   * from a fresh start once the run has caught up.
   */
  private async refused(
    stage: RunStage,
    transition: string,
    reason: Refusal,
    payload: StageJobPayload,
    job: JobContext,
    detail?: string,
  ): Promise<string> {
    this.metrics.refusedTransitions.inc({ stage, transition, reason });
    job.logger.warn(
      { runId: payload.runId, stage, transition, reason, ...(detail ? { detail } : {}) },
      'run store refused an out-of-date stage transition',
    );
    try {
      const outcome = await this.reconciler.reconcile(payload.runId);
      if (outcome.action !== 'none' || outcome.unstarted.length > 0)
        job.logger.warn({ runId: payload.runId, stage, reconciled: outcome }, 'run re-derived from its queues');
    } catch (error) {
      this.logger.error(
        { runId: payload.runId, stage, err: (error as Error).message },
        'could not re-derive a run from its queues',
      );
    }
    if (reason === 'stale') return 'stale';
    throw new RetryableError(
      ErrorCode.stageOutOfDate,
      `run ${payload.runId}: the run store refused ${transition} of stage ${stage} (${reason}${detail ? `: ${detail}` : ''}); the job will run again`,
    );
  }

  /** The one place where a follow-up job is chained: the run's next stage, under its deterministic id. */
  private async enqueueNext(next: RunStage | null, payload: StageJobPayload): Promise<void> {
    if (!next) return;
    const trace = injectTrace(otelContext.active()) ?? payload.trace;
    await this.producer.enqueue(
      STAGE_JOB[next],
      { v: 1, runId: payload.runId, definition: payload.definition, ...(trace ? { trace } : {}) },
      { jobId: stageJobId(payload.runId, next) },
    );
  }

  private async recordFailure(
    stage: RunStage,
    payload: StageJobPayload,
    job: JobContext,
    error: unknown,
    startedAt: number,
    token: string,
  ): Promise<void> {
    this.metrics.stageDuration.observe({ stage, outcome: 'failed' }, (Date.now() - startedAt) / 1000);
    const code = error instanceof PipelineError ? error.code : ErrorCode.executorFailed;
    const message = error instanceof Error ? error.message : String(error);
    const attempts = job.job.opts.attempts ?? JOB_OPTIONS[STAGE_JOB[stage]].attempts;
    const final = (error instanceof PipelineError && !error.retryable) || job.job.attemptsMade + 1 >= attempts;
    try {
      const recorded = final
        ? await this.runs.failRun(payload.runId, stage, code, message, Date.now(), token)
        : await this.runs.noteAttemptFailure(payload.runId, stage, code, message, Date.now(), token);
      if (isRefusal(recorded)) {
        this.metrics.refusedTransitions.inc({ stage, transition: final ? 'fail' : 'note-failure', reason: recorded });
        job.logger.warn(
          { runId: payload.runId, stage, transition: final ? 'fail' : 'note-failure', reason: recorded },
          'run store refused an out-of-date stage transition',
        );
      } else if (final) {
        await this.reportFailureForReview(payload.runId);
      }
    } catch (e) {
      this.logger.error({ runId: payload.runId, stage, err: (e as Error).message }, 'could not record a stage failure');
    }
  }

  /**
   * A run that failed before its review stage (a gate, a build error) still has a patch branch
   * someone should hear about: `run.failed` asks the orchestrator to put the reason on its pull
   * request. Once per run (deterministic job id); runs without a review stage need nothing.
   */
  private async reportFailureForReview(runId: string): Promise<void> {
    const run = await this.runs.get(runId);
    if (run?.state !== 'failed' || run.stages.find((s) => s.stage === 'review')?.status !== 'pending') return;
    await this.producer.enqueue('run.failed', { v: 1, runId }, { jobId: `${runId}.failed` });
  }
}

/** A W3C traceparent that continues a run's trace (a new parent span id, sampled). */
function traceCarrierOf(traceId: string): { traceparent: string } | undefined {
  if (!/^[0-9a-f]{32}$/.test(traceId) || /^0+$/.test(traceId)) return undefined;
  return { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

function checkArtifacts(
  stage: RunStage,
  artifacts: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const entries = Object.entries(artifacts);
  if (entries.length > MAX_ARTIFACTS) {
    throw new TerminalError(
      'invalid-artifacts',
      `stage ${stage} returned ${entries.length} artifacts; at most ${MAX_ARTIFACTS}`,
    );
  }
  for (const [k, v] of entries) {
    if (!/^[a-z][a-z0-9._-]{0,63}$/.test(k) || typeof v !== 'string' || v.length > MAX_ARTIFACT_CHARS) {
      throw new TerminalError('invalid-artifacts', `stage ${stage} returned an invalid artifact "${k.slice(0, 64)}"`);
    }
  }
  return artifacts as Record<string, string>;
}
