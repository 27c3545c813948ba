import { z } from 'zod';
import { ErrorCodeSchema } from './ids.schema';

/** A job that exhausted its attempts or failed terminally, kept with its reason. */
export const DeadLetterPayloadSchema = z
  .object({
    v: z.literal(1),
    queue: z.string().min(1).max(128),
    jobId: z.string().min(1).max(256),
    jobName: z.string().min(1).max(128),
    data: z.unknown(),
    errorCode: ErrorCodeSchema,
    failedReason: z.string().max(4096),
    attemptsMade: z.number().int().nonnegative(),
    failedAt: z.number().int().nonnegative(),
    runId: z.string().max(64).optional(),
    /** The job's BullMQ priority (a planning job's lane, libs/queue event-planning.ts), given back on replay. */
    priority: z.number().int().min(1).max(2_097_152).optional(),
  })
  .strict();
export type DeadLetterPayload = z.infer<typeof DeadLetterPayloadSchema>;
