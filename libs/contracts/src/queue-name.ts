import type { StageName } from './stage-name';

/**
 * Every BullMQ queue of the factory. Names are wrapped in a Redis Cluster hash tag
 * (`{...}`) so that all keys of one queue land in one slot while queues spread out.
 */
export const QueueName = {
  watch: '{watch}',
  plan: '{plan}',
  patch: '{patch}',
  build: '{build}',
  test: '{test}',
  scan: '{scan}',
  sign: '{sign}',
  publish: '{publish}',
  review: '{review}',
  promote: '{promote}',
  notify: '{notify}',
  deadLetter: '{dead-letter}',
  /** What happened to runs, for the orchestrator (a run that failed before review: its PR shows why). */
  runEvents: '{run-events}',
  /** Image-update webhooks: fan-out of events to subscriptions, delivery attempts, run failures to announce (notifier). */
  webhooks: '{webhooks}',
} as const satisfies Record<StageName | 'deadLetter' | 'runEvents' | 'webhooks', string>;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const ALL_QUEUE_NAMES: readonly QueueName[] = Object.values(QueueName);

export function isQueueName(value: string): value is QueueName {
  return (ALL_QUEUE_NAMES as readonly string[]).includes(value);
}
