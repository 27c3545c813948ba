import type { JobName } from '@patch-factory/contracts';
import type { JobOptionsTable, JobPolicy } from '@patch-factory/queue';

const DAY = 86_400;

/** A stage that only moves data around: quick to retry, short lock. */
const quick: JobPolicy = {
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 1_000 },
  keepCompleted: { ageSeconds: DAY, count: 5_000 },
  keepFailed: { ageSeconds: 14 * DAY, count: 10_000 },
  lockDurationMs: 30_000,
  maxStalledCount: 3,
};

/** A stage that does heavy work (build, test, scan): longer lock, fewer tries. */
const heavy: JobPolicy = {
  ...quick,
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 10_000 },
  lockDurationMs: 120_000,
  maxStalledCount: 2,
};

/**
 * THE retry / backoff / removal / lock policy of every job (rule 4 of DESIGN.md).
 * Locks are renewed while a job runs; a lock that lapses means the worker was lost.
 */
export const JOB_OPTIONS: JobOptionsTable = {
  'stage.plan': quick,
  'stage.patch': quick,
  'stage.build': heavy,
  'stage.test': heavy,
  'stage.scan': heavy,
  'stage.sign': quick,
  'stage.publish': { ...quick, attempts: 8 },
  'stage.review': quick,
  'stage.promote': { ...quick, attempts: 8 },
  'stage.notify': quick,
  'dead-letter.entry': { ...quick, attempts: 1 },
  'run.failed': quick,
  'webhook.run-failed': quick,
  'webhook.pr-opened': quick,
  'webhook.fan-out': quick,
  // A delivery's attempts follow the webhook retry schedule (libs/notifying), not BullMQ's: a
  // job is retried only when the notifier itself failed (Redis), and kept an hour for its id.
  'webhook.deliver': { ...quick, keepCompleted: { ageSeconds: 3_600, count: 50_000 } },
  'event.upstream': quick,
  'event.planning-batch': quick,
  // A poll that fails is retried a few times; the next scheduled poll comes anyway.
  'watch.poll': { ...quick, attempts: 3, keepCompleted: { ageSeconds: 3_600, count: 1_000 } },
} satisfies Record<JobName, JobPolicy>;
