import { SetMetadata } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { JobName, JobPayload } from '@patch-factory/contracts';
import type { Logger } from '@patch-factory/telemetry';

export const ON_JOB_METADATA = 'patch-factory:on-job';

/** What a handler gets besides its payload. */
export interface JobContext {
  job: Job;
  /**
   * The lock token of this delivery of the job (BullMQ's, unique per execution): a fencing
   * token for the run store, so that a stale execution cannot record its outcome.
   */
  token: string | undefined;
  /** Aborted when the service shuts down and the job is being released. */
  signal: AbortSignal;
  logger: Logger;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext) => Promise<unknown>;

/**
 * Marks a provider method as the handler of a job. The payload type is derived from the
 * job name; the payload has been validated against its schema before the call.
 * A service refuses to start when a job it owns has no handler or more than one.
 */
export function OnJob<N extends JobName>(name: N) {
  return <T extends JobHandler<N>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): TypedPropertyDescriptor<T> => {
    SetMetadata(ON_JOB_METADATA, name)(target, key, descriptor);
    return descriptor;
  };
}
