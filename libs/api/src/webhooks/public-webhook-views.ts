import type { AttemptRecord, DeliveryRecord } from '@patch-factory/notifying';
import type { Subscription } from '@patch-factory/webhooks';
import type { PublicAttempt, PublicDelivery, PublicSubscription } from './webhooks-api.schemas';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A subscription as the API answers it: its filters and state, times in RFC 3339, and when a
 * rotation's previous secret stops signing. Built field by field: the sealed secrets are never
 * copied (a field added to the stored record stays out of answers until it is listed here).
 */
export function publicSubscription(s: Subscription, now: number): PublicSubscription {
  const previous = s.secrets.previous;
  return {
    id: s.id,
    owner: s.owner,
    url: s.url,
    description: s.description,
    eventTypes: s.eventTypes,
    images: s.images,
    tags: s.tags,
    ...(s.minSeverity ? { minSeverity: s.minSeverity } : {}),
    enabled: s.enabled,
    ...(s.disabled ? { disabled: { reason: s.disabled.reason, since: iso(s.disabled.since) } } : {}),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    ...(previous && now < previous.expiresAt ? { rotation: { previousExpiresAt: iso(previous.expiresAt) } } : {}),
  };
}

/** A delivery as the API answers it (times in RFC 3339). */
export function publicDelivery(d: DeliveryRecord): PublicDelivery {
  return {
    id: d.id,
    subscriptionId: d.subscriptionId,
    eventId: d.eventId,
    eventType: d.eventType,
    subject: d.subject,
    messageId: d.messageId,
    state: d.state,
    attempts: d.attempts,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    ...(d.nextAttemptAt !== undefined ? { nextAttemptAt: iso(d.nextAttemptAt) } : {}),
    ...(d.deliveredAt !== undefined ? { deliveredAt: iso(d.deliveredAt) } : {}),
    ...(d.lastStatus !== undefined ? { lastStatus: d.lastStatus } : {}),
    ...(d.lastError ? { lastError: d.lastError } : {}),
    ...(d.replayOf ? { replayOf: d.replayOf } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
  };
}

/** An attempt as the API answers it: status, latency, the bounded response excerpt, the error code. */
export function publicAttempt(a: AttemptRecord): PublicAttempt {
  return {
    attempt: a.attempt,
    at: iso(a.at),
    outcome: a.outcome,
    ...(a.status !== undefined ? { status: a.status } : {}),
    latencyMs: a.latencyMs,
    excerpt: a.excerpt,
    excerptTruncated: a.excerptTruncated,
    ...(a.errorCode ? { errorCode: a.errorCode } : {}),
    ...(a.error ? { error: a.error } : {}),
    ...(a.address ? { address: a.address } : {}),
    ...(a.retryAfterMs !== undefined ? { retryAfterMs: a.retryAfterMs } : {}),
  };
}
