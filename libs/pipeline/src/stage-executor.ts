import type { PipelineRun } from '@patch-factory/contracts';
import type { Logger } from '@patch-factory/telemetry';
import type { RunStage } from './transitions';

/** What an executor knows about the stage it runs. */
export interface StageContext {
  runId: string;
  stage: RunStage;
  /** The definition file, relative to the catalog root. */
  definition: string;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * Key for every external effect of this stage (`<runId>:<stage>`): the same on every
   * attempt, so an effect keyed by it happens once although a job may run twice.
   */
  idempotencyKey: string;
  /**
   * The fencing token of this execution (unique per execution, a repeat or a concurrent
   * duplicate included): the run store accepts the completion of one execution only.
   * Set by the StageRunner; absent when an executor is called outside it.
   */
  executionToken?: string;
  /** Aborted when the worker shuts down; stop and let the job be released. */
  signal: AbortSignal;
  logger: Logger;
  /** The run as stored (artifacts of earlier stages). */
  loadRun(): Promise<PipelineRun | undefined>;
  /**
   * Reports that the stage is making progress (a package fetched, a layer written, a platform
   * tested, a blob pushed): keeps the worker's liveness check from declaring a long stage dead.
   * Cheap to call often: it is written to the job at most about once a second.
   */
  progress(step: StageProgress): void;
}

/** One step of a long stage: what it is at, how far (`done` of `total` when known). */
export interface StageProgress {
  what: string;
  done: number;
  total?: number;
}

export interface StageResult {
  /** References to what the stage produced (digests, paths, URLs), merged into the run. */
  artifacts?: Record<string, string>;
  /** Park the run at this stage until an outside event resumes it (e.g. a PR merge). */
  await?: { reason: string };
}

/**
 * The work of one stage. Throw RetryableError or TerminalError (libs/contracts) with a
 * stable code; anything else counts as a retryable `executor-failed`.
 */
export interface StageExecutor {
  execute(ctx: StageContext): Promise<StageResult | void>;
}

/** Injection token of the executor of a stage. */
export function executorToken(stage: RunStage): string {
  return `patch-factory.executor.${stage}`;
}
