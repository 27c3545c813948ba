import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { AttemptResult } from '@patch-factory/webhooks';
import {
  ACQUIRE_ENDPOINT_SLOT,
  CLAIM_DELIVERY,
  CREATE_DELIVERY,
  NOTE_ENDPOINT_FAILURE,
  RECORD_ATTEMPT,
  RELEASE_ENDPOINT_SLOT,
} from './delivery-scripts.lua';
import { EVENT_RETENTION_SECONDS } from './event-store';
import { NotifyingErrorCode, notifyingError } from './notifying-errors';
import { WebhookKeys } from './webhook-keys';

/** Attempts kept per delivery (the newest). */
export const ATTEMPTS_KEPT = 50;
/** How far a claim pushes a due entry ahead: a claimer lost before enqueueing is retried after this. */
export const CLAIM_LEASE_MS = 60_000;
/** How long an endpoint slot is held at most (an attempt's 15 s timeout, and margin). */
export const ENDPOINT_SLOT_MS = 30_000;

export const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One attempt as the delivery log keeps it. */
export const AttemptRecordSchema = z.object({
  attempt: z.number().int().min(1),
  at: z.number().int(),
  outcome: z.enum(['delivered', 'failed', 'gone', 'throttled']),
  status: z.number().int().optional(),
  latencyMs: z.number().int().nonnegative(),
  excerpt: z.string(),
  excerptTruncated: z.boolean(),
  errorCode: z.string().optional(),
  error: z.string().optional(),
  address: z.string().optional(),
  retryAfterMs: z.number().int().optional(),
});
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

/** A delivery: one event to one subscription, with its attempts. */
export interface DeliveryRecord {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  subject: string;
  /** The `webhook-id`: the event's id, the same on every attempt and replay. */
  messageId: string;
  state: DeliveryState;
  attempts: number;
  /** The current claim: a `webhook.deliver` job with another ticket is stale. */
  ticket: number;
  createdAt: number;
  updatedAt: number;
  nextAttemptAt?: number;
  deliveredAt?: number;
  lastStatus?: number;
  lastError?: string;
  /** The delivery this one replays. */
  replayOf?: string;
  /** Why it ended without delivery (cancelled, failed). */
  reason?: string;
  /** Its end disables the subscription (a 410, five days of failures): a retry of its job finishes that. */
  disablesSubscription?: boolean;
}

export interface DeliveryQuery {
  subscriptionId?: string;
  /** Created at or after (ms). */
  since?: number;
  state?: DeliveryState;
  /** At most this many, newest first (default 100, at most 1,000). */
  limit?: number;
}

/** The id of the first delivery of `eventId` to `subscriptionId`: deterministic, so a fan-out run twice makes it once. */
export function deliveryIdOf(eventId: string, subscriptionId: string): string {
  return `dlv_${base36(createHash('sha256').update(`${eventId}\n${subscriptionId}`).digest())}`;
}

/** The id of a replay (random: each replay is a new delivery of the same message). */
export function replayDeliveryId(): string {
  return `dlv_${base36(randomBytes(20))}`;
}

function base36(bytes: Buffer): string {
  return BigInt(`0x${bytes.toString('hex')}`)
    .toString(36)
    .padStart(26, '0')
    .slice(-26);
}

/**
 * The delivery log and schedule in Redis: every delivery with its state and attempts (status,
 * latency, a bounded response excerpt), indexes by time (all, per subscription), the due set of
 * pending attempts (by time on the webhook clock), and per-endpoint in-flight slots. Each step is
 * one script (delivery-scripts.lua.ts), fenced by the delivery's ticket: a stale or duplicate job
 * changes nothing.
 */
export class DeliveryRepository {
  private readonly keys: WebhookKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new WebhookKeys(prefix);
  }

  /** Records a pending delivery due at `now`; false when it exists already. */
  async create(
    d: Pick<DeliveryRecord, 'id' | 'subscriptionId' | 'eventId' | 'eventType' | 'subject' | 'messageId' | 'replayOf'>,
    now: number,
  ): Promise<boolean> {
    const fields: string[] = [
      'id',
      d.id,
      'subscriptionId',
      d.subscriptionId,
      'eventId',
      d.eventId,
      'eventType',
      d.eventType,
      'subject',
      d.subject,
      'messageId',
      d.messageId,
      ...(d.replayOf ? ['replayOf', d.replayOf] : []),
    ];
    const made = await this.redis.eval(
      CREATE_DELIVERY,
      4,
      this.keys.delivery(d.id),
      this.keys.deliveries(),
      this.keys.deliveriesOf(d.subscriptionId),
      this.keys.due(),
      d.id,
      String(now),
      String(EVENT_RETENTION_SECONDS),
      ...fields,
    );
    return made === 1;
  }

  /** The ids of pending deliveries due at `now` (at most `limit`, the longest waiting first). */
  dueIds(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.due(), '-inf', now, 'LIMIT', 0, limit);
  }

  /** Claims a due delivery: its new ticket and the number of the attempt to make, or undefined. */
  async claim(id: string, now: number): Promise<{ ticket: number; attempt: number } | undefined> {
    const claimed = (await this.redis.eval(
      CLAIM_DELIVERY,
      2,
      this.keys.due(),
      this.keys.delivery(id),
      id,
      String(now),
      String(CLAIM_LEASE_MS),
    )) as [number, number] | null;
    return claimed ? { ticket: Number(claimed[0]), attempt: Number(claimed[1]) } : undefined;
  }

  /**
   * Records the outcome of the job holding `ticket`: an attempt (when one was made) and what
   * comes next (another attempt at `nextAt`, or the end). False when the ticket is stale.
   */
  async record(
    id: string,
    ticket: number,
    now: number,
    next:
      | { state: 'retry'; nextAt: number }
      | { state: 'delivered' | 'failed' | 'cancelled'; reason?: string; disablesSubscription?: boolean },
    attempt?: AttemptRecord,
  ): Promise<boolean> {
    const lastError = attempt?.error ?? (next.state !== 'retry' ? (next.reason ?? '') : '');
    const done = await this.redis.eval(
      RECORD_ATTEMPT,
      3,
      this.keys.delivery(id),
      this.keys.attempts(id),
      this.keys.due(),
      id,
      String(ticket),
      String(now),
      next.state,
      next.state === 'retry' ? String(next.nextAt) : '',
      attempt ? JSON.stringify(attempt) : '',
      attempt?.status !== undefined ? String(attempt.status) : '',
      lastError.slice(0, 500),
      String(ATTEMPTS_KEPT),
      String(EVENT_RETENTION_SECONDS),
      next.state !== 'retry' && next.reason ? next.reason.slice(0, 500) : '',
      next.state !== 'retry' && next.disablesSubscription ? '1' : '',
    );
    return done === 1;
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const h = await this.redis.hgetall(this.keys.delivery(id));
    return h.id ? toRecord(h) : undefined;
  }

  /** Like get, or `webhook-delivery-not-found`. */
  async require(id: string): Promise<DeliveryRecord> {
    const found = await this.get(id);
    if (!found) throw notifyingError(NotifyingErrorCode.deliveryNotFound, `delivery ${id}`, 'no such delivery');
    return found;
  }

  async attempts(id: string): Promise<AttemptRecord[]> {
    const raws = await this.redis.lrange(this.keys.attempts(id), 0, -1);
    return raws.flatMap((raw) => {
      const parsed = AttemptRecordSchema.safeParse(safeJson(raw));
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** Deliveries, newest first. */
  async list(query: DeliveryQuery = {}): Promise<DeliveryRecord[]> {
    const limit = Math.max(1, Math.min(query.limit ?? 100, 1000));
    const index = query.subscriptionId ? this.keys.deliveriesOf(query.subscriptionId) : this.keys.deliveries();
    const out: DeliveryRecord[] = [];
    let offset = 0;
    // Filtering by state reads pages until `limit` match (bounded: at most 20 pages).
    for (let page = 0; page < 20 && out.length < limit; page++) {
      const ids = await this.redis.zrevrangebyscore(index, '+inf', query.since ?? '-inf', 'LIMIT', offset, limit);
      if (ids.length === 0) break;
      offset += ids.length;
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hgetall(this.keys.delivery(id));
      for (const [, h] of (await pipe.exec()) ?? []) {
        const hash = h as Record<string, string>;
        if (!hash.id) continue;
        const record = toRecord(hash);
        if (!query.state || record.state === query.state) out.push(record);
        if (out.length >= limit) break;
      }
      if (!query.state) break;
    }
    return out;
  }

  /** The ids of a subscription's deliveries made at or after `since`, oldest first (at most `limit`). */
  idsOfSince(subscriptionId: string, since: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.deliveriesOf(subscriptionId), since, '+inf', 'LIMIT', 0, limit);
  }

  /**
   * Takes one of the endpoint's in-flight slots until `now + ENDPOINT_SLOT_MS`. When all `cap`
   * are taken: false, and the delivery (its `ticket` current) waits on the endpoint's list for the
   * next released slot, due again at `fallbackAt` should that hand-off be lost.
   */
  async acquireEndpointSlot(
    subscriptionId: string,
    token: string,
    now: number,
    cap: number,
    waiter: { deliveryId: string; ticket: number; fallbackAt: number },
  ): Promise<boolean> {
    const taken = await this.redis.eval(
      ACQUIRE_ENDPOINT_SLOT,
      4,
      this.keys.inflight(subscriptionId),
      this.keys.waiting(subscriptionId),
      this.keys.due(),
      this.keys.delivery(waiter.deliveryId),
      String(now),
      token,
      String(now + ENDPOINT_SLOT_MS),
      String(cap),
      waiter.deliveryId,
      String(waiter.ticket),
      String(waiter.fallbackAt),
    );
    return taken === 1;
  }

  /** Gives the slot back; the id of the waiting delivery it goes to (now due), if any. */
  async releaseEndpointSlot(subscriptionId: string, token: string, now: number): Promise<string | undefined> {
    const next = (await this.redis.eval(
      RELEASE_ENDPOINT_SLOT,
      3,
      this.keys.inflight(subscriptionId),
      this.keys.waiting(subscriptionId),
      this.keys.due(),
      token,
      String(now),
    )) as string | null;
    return next ?? undefined;
  }

  /** Since when the endpoint has failed (the first failure after its last success), noting `now` if it was not failing. */
  async noteEndpointFailure(subscriptionId: string, now: number): Promise<number> {
    const since = await this.redis.eval(NOTE_ENDPOINT_FAILURE, 1, this.keys.failingSince(subscriptionId), String(now));
    return Number(since);
  }

  async noteEndpointSuccess(subscriptionId: string): Promise<void> {
    await this.redis.del(this.keys.failingSince(subscriptionId));
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function toRecord(h: Record<string, string>): DeliveryRecord {
  const num = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));
  const state = (DELIVERY_STATES as readonly string[]).includes(h.state ?? '') ? (h.state as DeliveryState) : 'failed';
  return {
    id: h.id as string,
    subscriptionId: h.subscriptionId ?? '',
    eventId: h.eventId ?? '',
    eventType: h.eventType ?? '',
    subject: h.subject ?? '',
    messageId: h.messageId ?? '',
    state,
    attempts: num(h.attempts) ?? 0,
    ticket: num(h.ticket) ?? 0,
    createdAt: num(h.createdAt) ?? 0,
    updatedAt: num(h.updatedAt) ?? 0,
    ...(state === 'pending' && num(h.nextAttemptAt) !== undefined ? { nextAttemptAt: num(h.nextAttemptAt) } : {}),
    ...(num(h.deliveredAt) !== undefined ? { deliveredAt: num(h.deliveredAt) } : {}),
    ...(num(h.lastStatus) !== undefined ? { lastStatus: num(h.lastStatus) } : {}),
    ...(h.lastError ? { lastError: h.lastError } : {}),
    ...(h.replayOf ? { replayOf: h.replayOf } : {}),
    ...(h.reason ? { reason: h.reason } : {}),
    ...(h.disablesSubscription === '1' ? { disablesSubscription: true } : {}),
  };
}

/** An attempt result as the delivery log keeps it. */
export function attemptRecordOf(attempt: number, at: number, result: AttemptResult): AttemptRecord {
  return {
    attempt,
    at,
    outcome: result.outcome,
    ...(result.status !== undefined ? { status: result.status } : {}),
    latencyMs: result.latencyMs,
    excerpt: result.excerpt,
    excerptTruncated: result.excerptTruncated,
    ...(result.errorCode ? { errorCode: result.errorCode } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.address ? { address: result.address } : {}),
    ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
  };
}
