import type { PipelineRun } from '@patch-factory/contracts';
import type { Logger } from '@patch-factory/telemetry';
import type { RunReadBy, StageContext } from './stage-executor';
import type { RunStage } from './transitions';

/** What a direct call of an executor (outside a queue: a tool, a child process, a benchmark) says about the stage. */
export interface DirectStageInput<S extends RunStage = RunStage> {
  runId: string;
  stage: S;
  definition: string;
  logger: Logger;
  loadRun: () => Promise<PipelineRun | RunReadBy<S> | undefined>;
  /** Default 1. */
  attempt?: number;
  signal?: AbortSignal;
}

/**
 * The StageContext of an executor called directly rather than by the StageRunner: the same
 * idempotency key a queued job would have (`<runId>:<stage>`), no progress reporting (no job
 * to write it to), and never aborted unless a signal is given.
 */
export function directStageContext<S extends RunStage>(input: DirectStageInput<S>): StageContext<S> {
  return {
    runId: input.runId,
    stage: input.stage,
    definition: input.definition,
    attempt: input.attempt ?? 1,
    idempotencyKey: `${input.runId}:${input.stage}`,
    signal: input.signal ?? new AbortController().signal,
    logger: input.logger,
    loadRun: input.loadRun,
    progress: () => undefined,
  };
}
