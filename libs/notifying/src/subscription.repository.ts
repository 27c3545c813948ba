import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CloudEventOf } from '@patch-factory/contracts';
import {
  disableSubscription,
  enableSubscription,
  newSubscription,
  rotateSecret,
  SubscriptionSchema,
  updateSubscription,
  type Subscription,
  type SubscriptionInput,
  type SubscriptionUpdate,
} from '@patch-factory/webhooks';
import { NotifyingErrorCode, notifyingError } from './notifying-errors';
import { WebhookKeys } from './webhook-keys';
import type { WebhookSettings } from './webhook-settings';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MAX_CAS_TRIES = 8;
/** Parsed subscriptions remembered per process (the oldest forgotten first). */
const PARSED_KEPT = 10_000;

/** Replaces a key's value only if it still holds what was read (compare and set). */
const CAS = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`;

/** A new subscription id: `sub_` + a ULID (48 bits of time, 80 random). */
export function newSubscriptionId(now: number): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('');
  return `sub_${time}${random}`;
}

/**
 * The webhook subscriptions in Redis. A subscription is stored as JSON with its secrets sealed
 * (libs/webhooks sealed-secret: a read of Redis alone does not give them away); the plain secret
 * is returned once, by create and rotate. Changes are compare-and-set: two concurrent rotations
 * or updates never lose one another's change.
 */
export class SubscriptionRepository {
  private readonly keys: WebhookKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly settings: WebhookSettings,
  ) {
    this.keys = new WebhookKeys(prefix);
  }

  async create(
    input: SubscriptionInput,
    owner: string,
    now: number,
  ): Promise<{ subscription: Subscription; secret: string }> {
    const id = newSubscriptionId(now);
    const made = newSubscription(this.settings.keyring(), { id, owner, input, now });
    await this.redis
      .multi()
      .set(this.keys.subscription(id), JSON.stringify(made.subscription))
      .zadd(this.keys.subscriptions(), now, id)
      .exec();
    return made;
  }

  async get(id: string): Promise<Subscription | undefined> {
    const raw = await this.redis.get(this.keys.subscription(id));
    return raw === null ? undefined : this.parsed(raw, id);
  }

  /** Like get, or `webhook-subscription-not-found`. */
  async require(id: string): Promise<Subscription> {
    const found = await this.get(id);
    if (!found)
      throw notifyingError(NotifyingErrorCode.subscriptionNotFound, `subscription ${id}`, 'no such subscription');
    return found;
  }

  /** Every subscription (or one owner's), oldest first. */
  async list(filter: { owner?: string } = {}): Promise<Subscription[]> {
    const ids = await this.redis.zrange(this.keys.subscriptions(), 0, -1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.keys.subscription(id)));
    const out: Subscription[] = [];
    raws.forEach((raw, i) => {
      if (raw === null) return;
      const s = this.parsed(raw, ids[i] as string);
      if (filter.owner === undefined || s.owner === filter.owner) out.push(s);
    });
    return out;
  }

  async update(id: string, update: SubscriptionUpdate, now: number): Promise<Subscription> {
    return this.change(id, (s) => updateSubscription(s, update, now));
  }

  /** A new secret (returned once); the previous one keeps signing until `overlapMs` has passed. */
  async rotate(id: string, now: number, overlapMs?: number): Promise<{ subscription: Subscription; secret: string }> {
    let secret = '';
    const subscription = await this.change(id, (s) => {
      const rotated = rotateSecret(this.settings.keyring(), s, now, overlapMs);
      secret = rotated.secret;
      return rotated.subscription;
    });
    return { subscription, secret };
  }

  /** Disables it (a 410, days of failures); the `subscription.disabled` event for the owner's other subscriptions. */
  async disable(
    id: string,
    reason: string,
    now: number,
  ): Promise<{ subscription: Subscription; event: CloudEventOf<'subscription.disabled'> }> {
    let event: CloudEventOf<'subscription.disabled'> | undefined;
    const subscription = await this.change(id, (s) => {
      const disabled = disableSubscription(s, reason, now, this.settings.source);
      event = disabled.event;
      return disabled.subscription;
    });
    return { subscription, event: event as CloudEventOf<'subscription.disabled'> };
  }

  async enable(id: string, now: number): Promise<Subscription> {
    const enabled = await this.change(id, (s) => enableSubscription(s, now));
    await this.redis.del(this.keys.failingSince(id));
    return enabled;
  }

  /** Deletes it (and its endpoint's slots, waiting list and failing-since); its deliveries stay in the log and are not attempted again. */
  async remove(id: string): Promise<boolean> {
    const [[, removed] = []] =
      (await this.redis
        .multi()
        .del(this.keys.subscription(id))
        .zrem(this.keys.subscriptions(), id)
        .del(this.keys.failingSince(id), this.keys.inflight(id), this.keys.waiting(id))
        .exec()) ?? [];
    return removed === 1;
  }

  /**
   * `parse`, remembered per id while the stored bytes stay the same: every delivery and every
   * fan-out reads subscriptions, which change rarely. A copy is answered (callers may change it).
   */
  private parsed(raw: string, id: string): Subscription {
    const known = this.parsedById.get(id);
    if (known?.raw !== raw) {
      if (this.parsedById.size >= PARSED_KEPT) this.parsedById.delete(this.parsedById.keys().next().value as string);
      this.parsedById.set(id, { raw, subscription: parse(raw, id) });
    }
    return structuredClone((this.parsedById.get(id) as { subscription: Subscription }).subscription);
  }

  private readonly parsedById = new Map<string, { raw: string; subscription: Subscription }>();

  private async change(id: string, apply: (s: Subscription) => Subscription): Promise<Subscription> {
    for (let i = 0; i < MAX_CAS_TRIES; i++) {
      const raw = await this.redis.get(this.keys.subscription(id));
      if (raw === null)
        throw notifyingError(NotifyingErrorCode.subscriptionNotFound, `subscription ${id}`, 'no such subscription');
      const next = SubscriptionSchema.parse(apply(parse(raw, id)));
      const done = await this.redis.eval(CAS, 1, this.keys.subscription(id), raw, JSON.stringify(next));
      if (done === 1) return next;
    }
    throw notifyingError(
      NotifyingErrorCode.recordInvalid,
      `subscription ${id}`,
      `changed by others ${MAX_CAS_TRIES} times while this change was made; try again`,
    );
  }
}

function parse(raw: string, id: string): Subscription {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw notifyingError(NotifyingErrorCode.recordInvalid, `subscription ${id}`, 'is not JSON');
  }
  const parsed = SubscriptionSchema.safeParse(json);
  if (!parsed.success)
    throw notifyingError(NotifyingErrorCode.recordInvalid, `subscription ${id}`, parsed.error.issues[0]?.message ?? '');
  return parsed.data;
}
