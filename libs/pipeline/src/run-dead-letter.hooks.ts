import { Injectable } from '@nestjs/common';
import type { DeadLetterPayload } from '@patch-factory/contracts';
import { JobProducer, parseFailure, type DeadLetterHooks } from '@patch-factory/queue';
import { RunRepository } from '@patch-factory/store';
import { STAGE_JOB, type RunStage } from './transitions';

function stageOf(jobName: string): RunStage | undefined {
  return (Object.keys(STAGE_JOB) as RunStage[]).find((s) => STAGE_JOB[s] === jobName);
}

/** The job that announces a failed run to webhook subscribers (`pipeline.failed`, notifier): once per run. */
export function enqueueRunFailedEvent(producer: JobProducer, runId: string): Promise<string> {
  return producer.enqueue('webhook.run-failed', { v: 1, runId }, { jobId: `${runId}.failed-event` });
}

/**
 * A dead-lettered stage job fails its run with the reason, and subscribers hear it
 * (`webhook.run-failed`: after the dead letter is written, so that announcing the failure
 * never delays recording it); a replay reopens that stage.
 */
@Injectable()
export class RunDeadLetterHooks implements DeadLetterHooks {
  constructor(
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
  ) {}

  async onDeadLetter(entry: DeadLetterPayload): Promise<void> {
    const stage = stageOf(entry.jobName);
    if (!stage || !entry.runId) return;
    const { message } = parseFailure(entry.failedReason);
    await this.runs.failRun(
      entry.runId,
      stage,
      entry.errorCode,
      `${message} (after ${entry.attemptsMade} attempt(s); in the dead-letter queue)`,
    );
    await enqueueRunFailedEvent(this.producer, entry.runId);
  }

  async onReplay(entry: DeadLetterPayload): Promise<void> {
    const stage = stageOf(entry.jobName);
    if (!stage || !entry.runId) return;
    await this.runs.reopenStage(entry.runId, stage);
  }
}
