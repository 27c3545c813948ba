/**
 * The two kinds of failure a job may end with (rule 5 of DESIGN.md). Both carry a stable
 * kebab-case code and a message a person can act on. A TerminalError is never retried.
 */
export abstract class PipelineError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A failure that may pass: the job is retried with backoff up to its attempts. */
export class RetryableError extends PipelineError {
  readonly retryable = true;
}

/** A failure that will not pass by retrying: the run fails with this code now. */
export class TerminalError extends PipelineError {
  readonly retryable = false;
}

/** Codes the backbone itself uses; stage libraries add their own. */
export const ErrorCode = {
  stageNotImplemented: 'stage-not-implemented',
  invalidPayload: 'invalid-payload',
  payloadTooLarge: 'payload-too-large',
  unknownJob: 'unknown-job',
  runNotFound: 'run-not-found',
  workerLost: 'worker-lost',
  executorFailed: 'executor-failed',
  attemptsExhausted: 'attempts-exhausted',
  shutdown: 'shutdown',
  /** The run store refused a stage job's transition as out of date (its start lost, or the previous stage not done). */
  stageOutOfDate: 'stage-out-of-date',
} as const;
