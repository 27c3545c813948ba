import { Inject, Injectable, type Type } from '@nestjs/common';
import type { StageJobPayload } from '@patch-factory/contracts';
import { OnJob, type JobContext } from '@patch-factory/queue';
import { executorToken, type AnyStageExecutor } from './stage-executor';
import { StageRunner } from './stage-runner';
import { STAGE_JOB, type RunStage } from './transitions';

/** The processor class of a stage: its @OnJob handler hands the job to the StageRunner. */
export function stageProcessorFor(stage: RunStage): Type<unknown> {
  @Injectable()
  class StageProcessor {
    constructor(
      private readonly runner: StageRunner,
      @Inject(executorToken(stage)) private readonly executor: AnyStageExecutor,
    ) {}

    @OnJob(STAGE_JOB[stage])
    handle(payload: StageJobPayload, ctx: JobContext): Promise<string> {
      return this.runner.run(stage, payload, this.executor, ctx);
    }
  }
  const name = `${stage[0]?.toUpperCase()}${stage.slice(1)}StageProcessor`;
  Object.defineProperty(StageProcessor, 'name', { value: name });
  return StageProcessor;
}
