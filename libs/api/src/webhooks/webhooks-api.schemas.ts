import { z } from 'zod';
import { EVENT_NAMES, EVENT_SEVERITIES } from '@patch-factory/contracts';
import { AttemptRecordSchema, DELIVERY_STATES } from '@patch-factory/notifying';
import { SubscriptionIdSchema, SubscriptionInputSchema, SubscriptionUpdateSchema } from '@patch-factory/webhooks';

// The webhook routes' requests and answers (issue 17). Times are RFC 3339 (UTC); answers are
// strict objects: a sealed secret, or any field the API starts sending without documenting it,
// fails the OpenAPI served check.

const isoTime = () => z.iso.datetime();
/** Most seconds a rotation's previous secret may keep signing (libs/webhooks secret-rotation: 7 days). */
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 60 * 60;

export { SubscriptionIdSchema };

/** `dlv_` and 26 base-36 characters (libs/notifying deliveryIdOf, replayDeliveryId). */
export const DeliveryIdSchema = z
  .string()
  .regex(/^dlv_[0-9a-z]{26}$/, 'expected a delivery id like dlv_ and 26 letters and digits');

/** POST /webhooks/subscriptions: what to deliver where (libs/webhooks SubscriptionInputSchema, checked by parseSubscriptionInput). */
export const SubscriptionInputBodySchema = SubscriptionInputSchema.meta({ id: 'SubscriptionInput' });

/** PATCH /webhooks/subscriptions/{id}: any field of the input (`minSeverity: null` removes it), and `enabled` to enable or pause it. */
export const SubscriptionPatchBodySchema = SubscriptionUpdateSchema.extend({
  enabled: z.boolean().optional().meta({
    description: 'true enables a disabled subscription again (its failure streak forgotten); false pauses it',
  }),
})
  .strict()
  .meta({ id: 'SubscriptionPatch' });

/** POST /webhooks/subscriptions/{id}/rotate. */
export const RotateSecretBodySchema = z
  .strictObject({
    overlapSeconds: z.number().int().min(0).max(MAX_ROTATION_OVERLAP_SECONDS).optional().meta({
      description: 'How long the previous secret keeps signing deliveries too (default 24 h, 0 drops it at once)',
    }),
  })
  .meta({ id: 'RotateSecret' });

/** POST /webhooks/subscriptions/{id}/replay. */
export const ReplaySinceBodySchema = z
  .strictObject({
    since: z.iso
      .datetime({ offset: true })
      .meta({ description: 'RFC 3339 time in the past: every delivery made at or after it is sent again' }),
  })
  .meta({ id: 'ReplaySince' });

/** A subscription as the API shows it: never its secrets (sealed or not). */
export const PublicSubscriptionSchema = z
  .strictObject({
    id: z.string(),
    owner: z.string().meta({ description: 'the name of the token that created it' }),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.enum(EVENT_NAMES)),
    images: z.array(z.string()),
    tags: z.array(z.string()),
    minSeverity: z.enum(EVENT_SEVERITIES).optional(),
    enabled: z.boolean(),
    disabled: z.strictObject({ reason: z.string(), since: isoTime() }).optional(),
    createdAt: isoTime(),
    updatedAt: isoTime(),
    rotation: z
      .strictObject({ previousExpiresAt: isoTime() })
      .optional()
      .meta({ description: 'present while the secret before the last rotation still signs deliveries' }),
  })
  .meta({ id: 'WebhookSubscription' });
export type PublicSubscription = z.infer<typeof PublicSubscriptionSchema>;

/** Creation and rotation: the plain secret, answered this once (only its sealed form is stored). */
export const SubscriptionWithSecretSchema = z
  .strictObject({
    subscription: PublicSubscriptionSchema,
    secret: z.string().meta({ description: 'whsec_…: shown only here; the receiver verifies signatures with it' }),
  })
  .meta({ id: 'WebhookSubscriptionWithSecret' });
export const SubscriptionAnswerSchema = z.strictObject({ subscription: PublicSubscriptionSchema });
export const SubscriptionListSchema = z.strictObject({ subscriptions: z.array(PublicSubscriptionSchema) });

/** A delivery: one event to one subscription. */
export const PublicDeliverySchema = z
  .strictObject({
    id: z.string(),
    subscriptionId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    subject: z.string(),
    messageId: z.string().meta({ description: 'the webhook-id header: the same on every attempt and replay' }),
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    createdAt: isoTime(),
    updatedAt: isoTime(),
    nextAttemptAt: isoTime().optional(),
    deliveredAt: isoTime().optional(),
    lastStatus: z.number().int().optional(),
    lastError: z.string().optional(),
    replayOf: z.string().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'WebhookDelivery' });
export type PublicDelivery = z.infer<typeof PublicDeliverySchema>;

/** One attempt of a delivery: its HTTP status, latency, a bounded excerpt of the answer, the error code. */
export const PublicAttemptSchema = z
  .strictObject({ ...AttemptRecordSchema.shape, at: isoTime() })
  .meta({ id: 'WebhookAttempt' });
export type PublicAttempt = z.infer<typeof PublicAttemptSchema>;

export const DeliveryListSchema = z.strictObject({ deliveries: z.array(PublicDeliverySchema) });
export const DeliveryDetailSchema = z.strictObject({
  delivery: PublicDeliverySchema,
  attempts: z.array(PublicAttemptSchema),
});
export const DeliveryAnswerSchema = z.strictObject({ delivery: PublicDeliverySchema });

/** GET /webhooks/deliveries. */
export const ListDeliveriesQuerySchema = z
  .object({
    subscription: SubscriptionIdSchema.optional(),
    state: z.enum(DELIVERY_STATES).optional(),
    since: z.iso.datetime({ offset: true }).optional().meta({ description: 'RFC 3339: made at or after' }),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

/** GET /feeds/images.atom: the catalog's feed, or one image's (`image=examples/redis`). */
export const FeedQuerySchema = z
  .object({
    image: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)*$/, 'expected an image name like examples/redis')
      .optional(),
  })
  .strict();
