import { z } from 'zod';
import { DefinitionPathSchema, RunIdSchema, TraceCarrierSchema } from './ids.schema';

/** The payload of every stage job: ids and references only; state lives in the store. */
export const StageJobPayloadSchema = z
  .object({
    v: z.literal(1),
    runId: RunIdSchema,
    definition: DefinitionPathSchema,
    trace: TraceCarrierSchema.optional(),
  })
  .strict();
export type StageJobPayload = z.infer<typeof StageJobPayloadSchema>;

/** A run failed for good before its review stage: the orchestrator puts the reason on its pull request. */
export const RunFailedJobSchema = z.object({ v: z.literal(1), runId: RunIdSchema }).strict();
export type RunFailedJob = z.infer<typeof RunFailedJobSchema>;

/** The review stage opened a pull request: subscribers hear `pr.opened` now, not when the run ends (notifier). */
export const WebhookPrOpenedJobSchema = z
  .object({
    v: z.literal(1),
    runId: RunIdSchema,
    url: z
      .string()
      .max(2000)
      .regex(/^https?:\/\/[^\s]+$/),
    number: z.number().int().positive(),
    patchRequest: z.string().min(1).max(200),
    at: z.number().int().nonnegative(),
  })
  .strict();
export type WebhookPrOpenedJob = z.infer<typeof WebhookPrOpenedJobSchema>;

/** A stored event (libs/notifying EventStore) to fan out to the subscriptions that match it. */
export const WebhookFanOutJobSchema = z
  .object({
    v: z.literal(1),
    eventId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  })
  .strict();
export type WebhookFanOutJob = z.infer<typeof WebhookFanOutJobSchema>;

/** One attempt of one delivery; `ticket` fences stale jobs (a delivery rescheduled since). */
export const WebhookDeliverJobSchema = z
  .object({
    v: z.literal(1),
    deliveryId: z.string().regex(/^dlv_[0-9a-z]{26}$/),
    ticket: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  })
  .strict();
export type WebhookDeliverJob = z.infer<typeof WebhookDeliverJobSchema>;
