import type { JobName } from '@patch-factory/contracts';

/** Retry, removal and locking policy of one job (one row of the job-options table). */
export interface JobPolicy {
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delayMs: number };
  /** Completed jobs kept at most this long / this many (BullMQ removeOnComplete). */
  keepCompleted: { ageSeconds: number; count: number };
  /** Failed jobs kept at most this long / this many before the dead-letter sweep takes them. */
  keepFailed: { ageSeconds: number; count: number };
  /** How long a worker's lock on the job lasts before it is considered stalled. */
  lockDurationMs: number;
  /** How often a stalled job may be recovered before it fails as `worker-lost`. */
  maxStalledCount: number;
}

export type JobOptionsTable = Readonly<Record<JobName, JobPolicy>>;
