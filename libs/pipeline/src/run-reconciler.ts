import { Inject, Injectable } from '@nestjs/common';
import { queueOfJob, type PipelineRun } from '@patch-factory/contracts';
import { JobProducer } from '@patch-factory/queue';
import { RunRepository } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { STAGE_JOB, isRunStage, stageJobId, type RunStage } from './transitions';

/** BullMQ states in which a job will still run (or runs now). */
const LIVE_JOB_STATES: ReadonlySet<string> = new Set([
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
]);
const ENDED_RUN_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'superseded']);

export type ReconcileOutcome =
  | {
      action: 'none';
      reason: 'missing' | 'ended' | 'awaiting' | 'job-live' | 'job-failed' | 'all-succeeded';
      stage?: RunStage;
      /** Stages put back because they were recorded succeeded without a recorded start. */
      unstarted: RunStage[];
    }
  | { action: 're-enqueued'; stage: RunStage; removedFinished: boolean; unstarted: RunStage[] };

/**
 * Re-derives a run's stages from its queues after the run store refused out-of-date work
 * (issue 13: a store that rolled back under jobs still in workers' memory):
 *   - a stage recorded succeeded without a recorded start (0 attempts) is put back (queued,
 *     or pending behind an unfinished stage);
 *   - when the run has not ended and its earliest unfinished stage has no live job in its queue
 *     (the job was lost in the rollback, or finished without its completion being accepted),
 *     that stage's job is enqueued again under its deterministic id, so that the run does not
 *     stay "running" forever.
 * Bounded (one pass over the run's stages, one job looked up), idempotent (a live job is left
 * alone; enqueueing an existing id is a no-op). A job that failed is left to the dead-letter path.
 */
@Injectable()
export class RunReconciler {
  constructor(
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async reconcile(runId: string, now = Date.now()): Promise<ReconcileOutcome> {
    let run = await this.runs.get(runId);
    if (!run) return { action: 'none', reason: 'missing', unstarted: [] };
    if (ENDED_RUN_STATES.has(run.state)) return { action: 'none', reason: 'ended', unstarted: [] };

    const unstarted: RunStage[] = [];
    for (const rec of run.stages) {
      if (rec.status !== 'succeeded' || rec.attempts > 0 || !isRunStage(rec.stage)) continue;
      const put = await this.runs.unstartStage(runId, rec.stage, now);
      if (put.kind === 'ok') unstarted.push(rec.stage);
    }
    if (unstarted.length > 0) {
      this.logger.warn(
        { runId, stages: unstarted },
        'stages recorded succeeded without a recorded start were put back',
      );
      run = await this.runs.get(runId);
      if (!run) return { action: 'none', reason: 'missing', unstarted };
    }

    const earliest = firstUnfinished(run);
    if (!earliest) return { action: 'none', reason: 'all-succeeded', unstarted };
    const { stage, status } = earliest;
    if (status === 'awaiting') return { action: 'none', reason: 'awaiting', stage, unstarted };

    const name = STAGE_JOB[stage];
    const jobId = stageJobId(runId, stage);
    const job = await this.producer.queue(queueOfJob(name)).getJob(jobId);
    const state = job ? await job.getState() : 'missing';
    if (LIVE_JOB_STATES.has(state)) return { action: 'none', reason: 'job-live', stage, unstarted };
    if (state === 'failed') return { action: 'none', reason: 'job-failed', stage, unstarted };
    // A finished (or orphaned: 'unknown') job keeps its id: it must go before the same id can be enqueued again.
    const removedFinished = job !== undefined;
    if (job) await job.remove();
    await this.producer.enqueue(name, { v: 1, runId, definition: run.definition }, { jobId });
    this.logger.warn(
      { runId, stage, jobId, jobState: state },
      'run re-derived from its queues: its earliest unfinished stage had no live job and was enqueued again',
    );
    return { action: 're-enqueued', stage, removedFinished, unstarted };
  }
}

function firstUnfinished(run: PipelineRun): { stage: RunStage; status: string } | undefined {
  for (const rec of run.stages) {
    if (rec.status === 'succeeded') continue;
    return isRunStage(rec.stage) ? { stage: rec.stage, status: rec.status } : undefined;
  }
  return undefined;
}
