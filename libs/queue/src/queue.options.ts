import type { Type } from '@nestjs/common';
import type { JobName } from '@patch-factory/contracts';
import type { DeadLetterHooks } from './dead-letter.hooks';
import type { JobOptionsTable } from './job-options.types';
import type { RedisProfile } from './redis-connection';

export const QUEUE_OPTIONS = Symbol('patch-factory.queue-options');
export const REDIS_CONNECTION = Symbol('patch-factory.redis');

export interface QueueModuleOptions {
  /** Service name, for logs, metrics and boot errors. */
  service: string;
  /** Jobs this service consumes: each needs exactly one @OnJob handler. */
  owns: readonly JobName[];
  /** The job-options table (libs/pipeline). */
  jobOptions: JobOptionsTable;
  /** `producer` for services that only enqueue (fail fast while Redis is away). */
  profile?: RedisProfile;
  /** What the domain does when a job is dead-lettered or replayed. */
  deadLetterHooks?: Type<DeadLetterHooks>;
}
