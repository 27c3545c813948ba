import type { z } from 'zod';
import { DeadLetterPayloadSchema } from './dead-letter.schema';
import { PlanningBatchJobSchema } from './planning-batch.schema';
import { QueueName } from './queue-name';
import {
  RunFailedJobSchema,
  StageJobPayloadSchema,
  WebhookDeliverJobSchema,
  WebhookFanOutJobSchema,
  WebhookPrOpenedJobSchema,
} from './stage-job.schema';
import { UpstreamEventJobSchema, WatchPollJobSchema } from './upstream-event.schema';

/**
 * Every job the factory enqueues: its name, the queue it travels on and the schema of
 * its payload. A handler's payload type is derived from its job name (`JobPayload<N>`).
 */
export const JOBS = {
  'stage.plan': { queue: QueueName.plan, payload: StageJobPayloadSchema },
  'stage.patch': { queue: QueueName.patch, payload: StageJobPayloadSchema },
  'stage.build': { queue: QueueName.build, payload: StageJobPayloadSchema },
  'stage.test': { queue: QueueName.test, payload: StageJobPayloadSchema },
  'stage.scan': { queue: QueueName.scan, payload: StageJobPayloadSchema },
  'stage.sign': { queue: QueueName.sign, payload: StageJobPayloadSchema },
  'stage.publish': { queue: QueueName.publish, payload: StageJobPayloadSchema },
  'stage.review': { queue: QueueName.review, payload: StageJobPayloadSchema },
  'stage.promote': { queue: QueueName.promote, payload: StageJobPayloadSchema },
  'stage.notify': { queue: QueueName.notify, payload: StageJobPayloadSchema },
  'dead-letter.entry': { queue: QueueName.deadLetter, payload: DeadLetterPayloadSchema },
  /** An upstream event to plan: affected definitions → PatchRequests → runs (orchestrator). */
  'event.upstream': { queue: QueueName.plan, payload: UpstreamEventJobSchema },
  /** The next batch of an advisory's planning jobs (orchestrator; libs/queue EventPlanningQueue). */
  'event.planning-batch': { queue: QueueName.plan, payload: PlanningBatchJobSchema },
  /** A run failed before review: its pull request gets the reason (orchestrator). */
  'run.failed': { queue: QueueName.runEvents, payload: RunFailedJobSchema },
  /** A run failed for good: subscribers hear `pipeline.failed` (notifier). */
  'webhook.run-failed': { queue: QueueName.webhooks, payload: RunFailedJobSchema },
  /** The review stage opened a pull request: `pr.opened` (notifier). */
  'webhook.pr-opened': { queue: QueueName.webhooks, payload: WebhookPrOpenedJobSchema },
  /** A stored event to fan out to its matching subscriptions (notifier). */
  'webhook.fan-out': { queue: QueueName.webhooks, payload: WebhookFanOutJobSchema },
  /** One attempt of one webhook delivery (notifier). */
  'webhook.deliver': { queue: QueueName.webhooks, payload: WebhookDeliverJobSchema },
  /** Poll one watched source now (scheduled per source; watcher). */
  'watch.poll': { queue: QueueName.watch, payload: WatchPollJobSchema },
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;

export const JOB_NAMES = Object.keys(JOBS) as JobName[];

export function isJobName(value: string): value is JobName {
  return Object.prototype.hasOwnProperty.call(JOBS, value);
}

export function queueOfJob(name: JobName): QueueName {
  return JOBS[name].queue;
}

export function jobsOnQueue(queue: QueueName): JobName[] {
  return JOB_NAMES.filter((n) => JOBS[n].queue === queue);
}

/** Largest serialized payload accepted by producers and consumers (bytes of JSON). */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
