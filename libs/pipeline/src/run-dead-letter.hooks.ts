import { Injectable } from '@nestjs/common';
import type { DeadLetterPayload } from '@patch-factory/contracts';
import { parseFailure, type DeadLetterHooks } from '@patch-factory/queue';
import { RunRepository } from '@patch-factory/store';
import { STAGE_JOB, type RunStage } from './transitions';

function stageOf(jobName: string): RunStage | undefined {
  return (Object.keys(STAGE_JOB) as RunStage[]).find((s) => STAGE_JOB[s] === jobName);
}

/** A dead-lettered stage job fails its run with the reason; a replay reopens that stage. */
@Injectable()
export class RunDeadLetterHooks implements DeadLetterHooks {
  constructor(private readonly runs: RunRepository) {}

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
  }

  async onReplay(entry: DeadLetterPayload): Promise<void> {
    const stage = stageOf(entry.jobName);
    if (!stage || !entry.runId) return;
    await this.runs.reopenStage(entry.runId, stage);
  }
}
