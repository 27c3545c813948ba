import { EVENT_NAMES, EVENT_SEVERITIES, hasControlCharacter, shown } from '@patch-factory/contracts';
import { z } from 'zod';
import { webhooksError, WebhooksErrorCode } from '../webhooks-errors';

/*
 * A webhook subscription: an endpoint, what it wants to hear (filters), its state and its sealed
 * secrets. Every count and length is bounded; the patterns are checked here and matched without
 * regular expressions (glob-match.ts).
 */

export const MAX_GLOBS = 50;
export const MAX_IMAGE_GLOB_LENGTH = 255;
export const MAX_TAG_GLOB_LENGTH = 128;
export const MAX_URL_LENGTH = 2048;
export const MAX_DESCRIPTION_LENGTH = 500;

/** `sub_` and a 26-character Crockford base32 ULID, like run ids. */
export const SubscriptionIdSchema = z
  .string()
  .regex(/^sub_[0-9A-HJKMNP-TV-Z]{26}$/, 'expected a subscription id like sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9');

/** The receiver's URL: http(s), a host, no user name or password, no fragment. (Its address is checked at delivery: receiver-address.) */
export const SubscriptionUrlSchema = z
  .string()
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .superRefine((value, ctx) => {
    const problem = urlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${JSON.stringify(shown(value, 80))} is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `must be an http:// or https:// URL, not ${shown(url.protocol, 20)}`;
  if (url.username !== '' || url.password !== '')
    return 'must not carry a user name or password (the signature authenticates the sender)';
  if (url.hostname === '') return 'has no host';
  if (url.hash !== '') return 'must not have a #fragment (it is never sent)';
  return undefined;
}

const IMAGE_GLOB_CHARS = /^[a-z0-9._*/-]+$/;

/** An image-name glob: `*` inside a segment, `**` as a whole segment; the characters of image names otherwise. */
export const ImageGlobSchema = z
  .string()
  .min(1, 'is empty')
  .max(MAX_IMAGE_GLOB_LENGTH, `must be at most ${MAX_IMAGE_GLOB_LENGTH} characters`)
  .superRefine((glob, ctx) => {
    if (!IMAGE_GLOB_CHARS.test(glob))
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(shown(glob, 80))} may hold only a-z 0-9 . _ - / and *`,
      });
    else if (glob.split('/').some((s) => s === ''))
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(glob)} has an empty path segment` });
    else if (glob.split('/').some((s) => s !== '**' && s.includes('**')))
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(glob)}: ** must be a whole path segment` });
  });

/** A tag glob: `*` matches any run of characters; the characters of OCI tags otherwise. */
export const TagGlobSchema = z
  .string()
  .min(1, 'is empty')
  .max(MAX_TAG_GLOB_LENGTH, `must be at most ${MAX_TAG_GLOB_LENGTH} characters`)
  .regex(/^[A-Za-z0-9_.*-]+$/, 'may hold only A-Z a-z 0-9 _ . - and *');

const unique = <T>(items: readonly T[]): boolean => new Set(items).size === items.length;

/** The filters; an empty list means every event type, image or tag. */
const FilterFields = {
  eventTypes: z.array(z.enum(EVENT_NAMES)).max(EVENT_NAMES.length).refine(unique, 'lists an event type twice'),
  images: z.array(ImageGlobSchema).max(MAX_GLOBS, `must list at most ${MAX_GLOBS} globs`),
  tags: z.array(TagGlobSchema).max(MAX_GLOBS, `must list at most ${MAX_GLOBS} globs`),
  minSeverity: z.enum(EVENT_SEVERITIES).optional(),
};

const DescriptionSchema = z
  .string()
  .max(MAX_DESCRIPTION_LENGTH, `must be at most ${MAX_DESCRIPTION_LENGTH} characters`)
  .refine((text) => !hasControlCharacter(text), 'must not hold control or bidi characters');

/** What a subscriber gives to create a subscription (the API's body). */
export const SubscriptionInputSchema = z
  .object({
    url: SubscriptionUrlSchema,
    description: DescriptionSchema.default(''),
    eventTypes: FilterFields.eventTypes.default([]),
    images: FilterFields.images.default([]),
    tags: FilterFields.tags.default([]),
    minSeverity: FilterFields.minSeverity,
  })
  .strict();
export type SubscriptionInput = z.infer<typeof SubscriptionInputSchema>;

/** What a subscriber gives to change a subscription: any of the input's fields; absent ones stay as they are. */
export const SubscriptionUpdateSchema = z
  .object({
    url: SubscriptionUrlSchema,
    description: DescriptionSchema,
    eventTypes: FilterFields.eventTypes,
    images: FilterFields.images,
    tags: FilterFields.tags,
    minSeverity: FilterFields.minSeverity.nullable(),
  })
  .partial()
  .strict();
export type SubscriptionUpdate = z.infer<typeof SubscriptionUpdateSchema>;

/** A sealed secret (sealed-secret.ts): `pfs1.<key id>.<nonce>.<ciphertext>`. */
export const SealedSecretSchema = z
  .string()
  .regex(/^pfs1\.[a-z0-9][a-z0-9-]{0,31}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{20,200}$/, 'expected a sealed secret');

/** A stored subscription. */
export const SubscriptionSchema = z.object({
  id: SubscriptionIdSchema,
  /** Who owns it (the API's caller): `subscription.disabled` goes to the owner's other subscriptions. */
  owner: z.string().min(1).max(200),
  url: SubscriptionUrlSchema,
  description: DescriptionSchema,
  ...FilterFields,
  enabled: z.boolean(),
  /** Why and since when (epoch ms) it is disabled; absent while enabled. */
  disabled: z.object({ reason: z.string().max(1001), since: z.number().int().nonnegative() }).optional(),
  createdAt: z.number().int().nonnegative(),
  updatedAt: z.number().int().nonnegative(),
  secrets: z.object({
    current: SealedSecretSchema,
    /** The secret before the last rotation, still signing deliveries until `expiresAt` (epoch ms). */
    previous: z.object({ sealed: SealedSecretSchema, expiresAt: z.number().int().nonnegative() }).optional(),
  }),
});
export type Subscription = z.infer<typeof SubscriptionSchema>;

/**
 * The subscription input in `body`, checked: a `webhook-subscription-invalid` TerminalError
 * names every field at fault (up to 5), e.g. `subscription: images.2: "a**b": ** must be a whole path segment`.
 */
export function parseSubscriptionInput(body: unknown): SubscriptionInput {
  return parseOrThrow(SubscriptionInputSchema, body);
}

/** The changes in `body` (`minSeverity: null` removes it), checked like parseSubscriptionInput. */
export function parseSubscriptionUpdate(body: unknown): SubscriptionUpdate {
  return parseOrThrow(SubscriptionUpdateSchema, body);
}

function parseOrThrow<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(body)'}: ${i.message}`);
  throw webhooksError(WebhooksErrorCode.subscriptionInvalid, 'subscription', problems.join('; '));
}
