import type { Redis } from 'ioredis';
import { z } from 'zod';
import {
  CloudEventEnvelopeSchema,
  EVENT_DATA_SCHEMAS,
  eventNameOf,
  type CloudEventOf,
  type FactoryCloudEvent,
} from '@patch-factory/contracts';
import { NotifyingErrorCode, notifyingError } from './notifying-errors';
import { WebhookKeys } from './webhook-keys';

/** How long an event is kept for deliveries, retries (27 h 35 min) and replays: 30 days. */
export const EVENT_RETENTION_SECONDS = 30 * 86_400;
/** Parsed events remembered per process (the oldest forgotten first). */
const PARSED_KEPT = 1_000;
/** Image events kept for the feeds (the newest). */
export const FEED_EVENTS_KEPT = 10_000;

/** KEYS: the event, the feeds' stream. ARGV: record, retention s, '1' for an image event, stream length. 1 when stored now. */
const STORE_EVENT = `
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]), 'NX') then return 0 end
if ARGV[3] == '1' then redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'event', ARGV[1]) end
return 1
`;

/** Who hears an event besides the subscriptions' filters: all of them, or the owner's others (`subscription.disabled`). */
export const AudienceSchema = z
  .object({ owner: z.string().min(1).max(200), except: z.string().min(1).max(100) })
  .strict()
  .optional();
export type Audience = z.infer<typeof AudienceSchema>;

const StoredEventSchema = z.object({ event: z.unknown(), audience: AudienceSchema, storedAt: z.number().int() });

export interface StoredEvent {
  event: FactoryCloudEvent;
  audience?: Audience;
  storedAt: number;
}

/** A CloudEvent read back (from Redis or a test): its envelope and its data checked against the schema of its type. */
export function parseCloudEvent(value: unknown, where: string): FactoryCloudEvent {
  const envelope = CloudEventEnvelopeSchema.safeParse(value);
  if (!envelope.success)
    throw notifyingError(
      NotifyingErrorCode.recordInvalid,
      where,
      `not a CloudEvent: ${envelope.error.issues[0]?.message}`,
    );
  const name = eventNameOf(envelope.data.type);
  if (!name) throw notifyingError(NotifyingErrorCode.recordInvalid, where, `unknown event type ${envelope.data.type}`);
  const data = EVENT_DATA_SCHEMAS[name].safeParse(envelope.data.data);
  if (!data.success)
    throw notifyingError(NotifyingErrorCode.recordInvalid, where, `${name} data: ${data.error.issues[0]?.message}`);
  return { ...envelope.data, data: data.data } as FactoryCloudEvent;
}

/**
 * The events the factory has made, each stored once by its (deterministic) id for 30 days: what
 * deliveries send and replays send again. Image events also go to a capped stream for the feeds.
 */
export class EventStore {
  private readonly keys: WebhookKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new WebhookKeys(prefix);
  }

  /**
   * Stores `event` unless its id is stored already (and an image event in the feeds' stream, in the
   * same step: a crash cannot leave it stored but missing from the feeds); true when this call stored it.
   */
  async store(event: FactoryCloudEvent, now: number, audience?: Audience): Promise<boolean> {
    const record = JSON.stringify({ event, ...(audience ? { audience } : {}), storedAt: now });
    const isImage =
      event.type === 'dev.patch-factory.image.published' || event.type === 'dev.patch-factory.image.updated';
    const fresh = await this.redis.eval(
      STORE_EVENT,
      2,
      this.keys.event(event.id),
      this.keys.imageEvents(),
      record,
      String(EVENT_RETENTION_SECONDS),
      isImage ? '1' : '0',
      String(FEED_EVENTS_KEPT),
    );
    return fresh === 1;
  }

  /**
   * The stored event, read from Redis each time (it may have expired); its parsing is remembered
   * for the last PARSED_KEPT ids, since an event is read once per subscription it goes to and
   * never changes (the same bytes give the same parse).
   */
  async get(id: string): Promise<StoredEvent | undefined> {
    const raw = await this.redis.get(this.keys.event(id));
    if (raw === null) return undefined;
    const known = this.parsed.get(id);
    if (known?.raw === raw) return known.stored;
    const stored = parseStored(raw, `event ${id}`);
    if (this.parsed.size >= PARSED_KEPT) this.parsed.delete(this.parsed.keys().next().value as string);
    this.parsed.set(id, { raw, stored });
    return stored;
  }

  private readonly parsed = new Map<string, { raw: string; stored: StoredEvent }>();

  /** The newest image events (at most `limit`), newest first: what the feeds render. */
  async recentImageEvents(limit: number): Promise<(CloudEventOf<'image.published'> | CloudEventOf<'image.updated'>)[]> {
    const entries = await this.redis.xrevrange(this.keys.imageEvents(), '+', '-', 'COUNT', Math.max(1, limit));
    const out: (CloudEventOf<'image.published'> | CloudEventOf<'image.updated'>)[] = [];
    for (const [streamId, fields] of entries) {
      const { event } = parseStored(fields[1] ?? 'null', `image event ${streamId}`);
      if (event.type === 'dev.patch-factory.image.published' || event.type === 'dev.patch-factory.image.updated')
        out.push(event);
    }
    return out;
  }
}

function parseStored(raw: string, where: string): StoredEvent {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw notifyingError(NotifyingErrorCode.recordInvalid, where, 'is not JSON');
  }
  const stored = StoredEventSchema.safeParse(json);
  if (!stored.success)
    throw notifyingError(NotifyingErrorCode.recordInvalid, where, stored.error.issues[0]?.message ?? '');
  return {
    event: parseCloudEvent(stored.data.event, where),
    ...(stored.data.audience ? { audience: stored.data.audience } : {}),
    storedAt: stored.data.storedAt,
  };
}
