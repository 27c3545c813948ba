import { z } from 'zod';
import { SubscriptionIdSchema } from '@patch-factory/webhooks';
import { UsageError, quote } from './args';
import { ago, isoTime } from './format';
import { safeText } from './terminal-text';

/*
 * What the webhook endpoints of the API answer (libs/api), checked before anything is printed,
 * and the checks of the ids and times the webhooks commands send. Times may come as epoch ms or
 * as ISO 8601 strings: both are accepted and printed the same way.
 */

/** A time as the API renders it: epoch ms or an ISO 8601 string. */
const TimeSchema = z.union([z.number(), z.string().max(64)]);
type Time = z.infer<typeof TimeSchema>;
const optional = <S extends z.ZodType>(schema: S) => schema.nullish().transform((v) => v ?? undefined);

export const SubscriptionViewSchema = z.object({
  id: z.string(),
  owner: optional(z.string()),
  url: z.string(),
  description: optional(z.string()),
  eventTypes: z.array(z.string()),
  images: z.array(z.string()),
  tags: z.array(z.string()),
  minSeverity: optional(z.string()),
  enabled: z.boolean(),
  disabled: optional(z.object({ reason: z.string(), since: TimeSchema })),
  createdAt: TimeSchema,
  updatedAt: optional(TimeSchema),
  rotation: optional(z.object({ previousExpiresAt: TimeSchema })),
});
export type SubscriptionView = z.infer<typeof SubscriptionViewSchema>;

/** A subscription with its new secret (created, rotated): the only time the secret is shown. */
export const SubscriptionWithSecretSchema = z.object({ subscription: SubscriptionViewSchema, secret: z.string() });
export const SubscriptionListSchema = z.object({ subscriptions: z.array(SubscriptionViewSchema) });

export const DeliveryViewSchema = z.object({
  id: z.string(),
  subscriptionId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  subject: z.string(),
  messageId: z.string(),
  state: z.string(),
  attempts: z.number(),
  createdAt: TimeSchema,
  updatedAt: optional(TimeSchema),
  nextAttemptAt: optional(TimeSchema),
  deliveredAt: optional(TimeSchema),
  lastStatus: optional(z.number()),
  lastError: optional(z.string()),
  replayOf: optional(z.string()),
  reason: optional(z.string()),
});
export type DeliveryView = z.infer<typeof DeliveryViewSchema>;

export const AttemptViewSchema = z.object({
  attempt: z.number(),
  at: TimeSchema,
  outcome: z.string(),
  status: optional(z.number()),
  latencyMs: z.number(),
  excerpt: z.string(),
  excerptTruncated: z.boolean(),
  errorCode: optional(z.string()),
  error: optional(z.string()),
});
export type AttemptView = z.infer<typeof AttemptViewSchema>;

export const DeliveryListSchema = z.object({ deliveries: z.array(DeliveryViewSchema) });
export const DeliveryWithAttemptsSchema = z.object({
  delivery: DeliveryViewSchema,
  attempts: z.array(AttemptViewSchema),
});
export const ReplayedDeliverySchema = z.object({ delivery: DeliveryViewSchema });

/** A time from the API as epoch ms (NaN when a string does not parse). */
export function timeMs(time: Time): number {
  return typeof time === 'number' ? time : Date.parse(time);
}

/** `2026-12-07T22:55:51.000Z` (or `?` for a time that is not one), `-` when absent. */
export function whenText(time: Time | undefined): string {
  return time === undefined ? '-' : isoTime(timeMs(time));
}

/** `3m07s ago` (or `?`). */
export function agoText(time: Time, now: number): string {
  const ms = timeMs(time);
  return Number.isFinite(ms) ? ago(ms, now) : '?';
}

/** A list of filters for a table cell: `all` when empty (every one matches). */
export function listText(items: readonly string[], max = 120): string {
  return items.length === 0 ? 'all' : safeText(items.join(','), max);
}

const DELIVERY_ID = /^dlv_[0-9a-z]{26}$/;

/** A subscription id (`sub_` and 26 Crockford base32 characters) given as `where`, or a usage error. */
export function checkSubscriptionId(raw: string, where: string, command: string): string {
  if (!SubscriptionIdSchema.safeParse(raw).success) {
    throw new UsageError(
      `${where} ${quote(raw)} is not a subscription id: expected sub_ and 26 characters of 0-9 A-Z (Crockford base32, no I L O U)`,
      command,
    );
  }
  return raw;
}

/** A delivery id (`dlv_` and 26 characters of 0-9 a-z) given as `where`, or a usage error. */
export function checkDeliveryId(raw: string, where: string, command: string): string {
  if (!DELIVERY_ID.test(raw)) {
    throw new UsageError(
      `${where} ${quote(raw)} is not a delivery id: expected dlv_ and 26 characters of 0-9 a-z`,
      command,
    );
  }
  return raw;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `90m`, `24h`, `7d` or `0` as ms; undefined when it is not a duration. */
export function parseDuration(raw: string): number | undefined {
  if (raw === '0') return 0;
  const m = /^(\d{1,7})([smhd])$/.exec(raw);
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : undefined;
}

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d{1,9})?([Zz]|[+-](\d\d):(\d\d))$/;

/**
 * A `--since` time as epoch ms: an RFC 3339 time with its offset (`2026-12-07T10:00:00Z`,
 * `2026-12-07T11:00:00+01:00`), or a duration before `now` (`90m`, `24h`, `7d`). Anything else,
 * a date that does not exist (February 30th) or a time in the future is a usage error.
 */
export function parseSince(raw: string, now: number, where: string, command: string): number {
  const bad = (why: string) =>
    new UsageError(
      `${where} ${quote(raw)} ${why}: give an RFC 3339 time like 2026-12-07T10:00:00Z, or a duration ago like 90m, 24h or 7d`,
      command,
    );
  const ago = parseDuration(raw);
  if (ago !== undefined) return now - ago;
  const m = RFC3339.exec(raw);
  if (!m) throw bad('is not a time');
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw bad('is not a date and time that exists');
  }
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) throw bad('has an offset that does not exist');
  const ms = Date.parse(raw.replace(/[ t]/, 'T').toUpperCase());
  if (!Number.isFinite(ms)) throw bad('is not a time');
  if (ms > now) throw bad('is in the future');
  return ms;
}
