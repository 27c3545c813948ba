import type { PipelineRun, StageArtifacts } from '@patch-factory/contracts';
import type { Logger } from '@patch-factory/telemetry';
import type { RunStage } from './transitions';

declare const readBy: unique symbol;

/**
 * A run as loaded by the executor of stage `S` (StageContext<S>.loadRun): a PipelineRun that
 * remembers, in its type only, which stage reads it, so that stageArtifact() on it accepts only
 * the stages before `S` (a stage that reads an artifact no earlier stage writes does not
 * compile). A plain PipelineRun is a RunReadBy<S> of any stage (the brand is optional); a
 * function that reads artifacts for the stages `S` takes a `RunReadBy<S>`.
 */
export type RunReadBy<S extends RunStage> = PipelineRun & { readonly [readBy]?: S };

/**
 * The artifacts the executor of stage `S` may return: keys of StageArtifacts[S] (libs/contracts),
 * each optional. An executor that declares no stage (`StageExecutor`, a test double bound to any
 * stage) may return any keys; the StageRunner checks every key and value at run time all the same.
 */
export type WrittenArtifacts<S extends RunStage> = [RunStage] extends [S]
  ? Readonly<Record<string, string | undefined>>
  : Partial<StageArtifacts[S]>;

/** What an executor knows about the stage it runs. */
export interface StageContext<S extends RunStage = RunStage> {
  runId: string;
  stage: S;
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
  loadRun(): Promise<RunReadBy<S> | undefined>;
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

export interface StageResult<S extends RunStage = RunStage> {
  /** References to what the stage produced (digests, paths, URLs), merged into the run: the keys StageArtifacts declares for `S`. */
  artifacts?: WrittenArtifacts<S>;
  /** Park the run at this stage until an outside event resumes it (e.g. a PR merge). */
  await?: { reason: string };
}

/**
 * The work of one stage. Throw RetryableError or TerminalError (libs/contracts) with a
 * stable code; anything else counts as a retryable `executor-failed`. An executor declares its
 * stage (`StageExecutor<'build'>`): that types what it may read and write.
 */
export interface StageExecutor<S extends RunStage = RunStage> {
  execute(ctx: StageContext<S>): Promise<StageResult<S> | void>;
}

/** An executor that may run stage `S`: one that declares `S`, or one that declares no stage (a test double). */
export type ExecutorOf<S extends RunStage> = StageExecutor<S> | StageExecutor;

/** An executor of some stage: what the StageRunner runs (it hands it the context of the stage it is bound to). */
export type AnyStageExecutor = { [S in RunStage]: ExecutorOf<S> }[RunStage];

/** Injection token of the executor of a stage. */
export function executorToken(stage: RunStage): string {
  return `patch-factory.executor.${stage}`;
}
