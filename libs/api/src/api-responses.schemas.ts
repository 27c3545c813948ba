import { z } from 'zod';
import { DeadLetterPayloadSchema } from '@patch-factory/contracts';
import { SCOPES } from '@patch-factory/store';

// What the API answers, as zod schemas: the OpenAPI document describes each answer by these, the
// controllers' return types are inferred from them (a field the code no longer sends is a compile
// error), and the spec of the document validates real answers against them. Objects are strict:
// a field the API starts sending without documenting it (a leaked token, say) fails that check.

/** POST /runs: the run started (or, for a retried Idempotency-Key, the first request's run). */
export const TriggerRunAnswerSchema = z.strictObject({ runId: z.string(), traceId: z.string() });

/** A dead-letter entry: the failed job kept with its reason, under its entry id. */
export const DeadLetterSchema = DeadLetterPayloadSchema.extend({ id: z.string() }).strict().meta({ id: 'DeadLetter' });
export const DeadLetterListSchema = z.strictObject({ entries: z.array(DeadLetterSchema) });
/** POST /dead-letters/{id}/replay: where the job went back, with its original ids. */
export const ReplayAnswerSchema = z.strictObject({ queue: z.string(), jobId: z.string(), jobName: z.string() });

/** POST /events/upstream: the event id the factory derived, its planning job, and whether it was seen before. */
export const UpstreamEventAnswerSchema = z.strictObject({
  eventId: z.string(),
  jobId: z.string(),
  duplicate: z.boolean(),
});
/** POST /events/advisory: whether the document was stored, the events planned, and what has nothing to patch to. */
export const AdvisoryAnswerSchema = z
  .strictObject({
    advisory: z.string(),
    stored: z.boolean(),
    events: z.array(z.strictObject({ eventId: z.string(), duplicate: z.boolean() })),
    unpatchable: z.array(z.strictObject({ package: z.string(), reason: z.string() })),
  })
  .meta({ id: 'AdvisoryAnswer' });

/** A stored API token, never with its secret. */
export const TokenInfoSchema = z
  .strictObject({
    id: z.string().regex(/^[0-9a-f]{16}$/),
    name: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    createdAt: z.number().int(),
    /** The token id that created it (`bootstrap` for the first admin token). */
    createdBy: z.string(),
  })
  .meta({ id: 'TokenInfo' });
/** POST /tokens: the new token's secret, answered this once, and its info. */
export const CreatedTokenSchema = TokenInfoSchema.extend({ token: z.string() }).strict().meta({ id: 'CreatedToken' });
export const TokenListSchema = z.strictObject({ tokens: z.array(TokenInfoSchema) });

/** One audited request: who, what, when, and the outcome. */
export const AuditEntrySchema = z
  .strictObject({
    id: z.string(),
    at: z.number().int(),
    actor: z.string().meta({ description: 'token id, anonymous or github-webhook' }),
    actorName: z.string().optional(),
    method: z.string(),
    path: z.string(),
    status: z.number().int(),
    outcome: z.enum(['ok', 'refused', 'failed']),
    requestId: z.string().optional(),
    remote: z.string().optional(),
  })
  .meta({ id: 'AuditEntry' });
export const AuditListSchema = z.strictObject({ entries: z.array(AuditEntrySchema) });

/** The answer to a GitHub delivery (always 202 once signed and well-formed: GitHub retries anything else). */
export const WebhookAnswerSchema = z
  .strictObject({
    delivery: z.string(),
    /** promotion-enqueued: a merged pull request resumed its runs; poll-enqueued: a published release polls its repository's watch targets. */
    outcome: z.enum(['promotion-enqueued', 'poll-enqueued', 'ignored', 'duplicate']),
    /** The runs resumed (promotion) or the watch targets polled (release), each with what happened. */
    runs: z.array(z.strictObject({ runId: z.string(), result: z.string() })),
    /** Why a delivery was ignored, when that is not plain (another repository, another base branch). */
    reason: z.string().optional(),
  })
  .meta({ id: 'WebhookAnswer' });
export type WebhookAnswer = z.infer<typeof WebhookAnswerSchema>;
