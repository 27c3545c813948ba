import { Queue } from 'bullmq';
import { QueueName, type FactoryCloudEvent } from '@patch-factory/contracts';
import { attemptRecordOf, deliveryIdOf } from '@patch-factory/notifying';
import type { ApiClient } from '@patch-factory/testing';
import { imageEvents } from './webhooks/webhook-events.fixture';
import { startWebhooksApi, type WebhooksApiApp } from './webhooks/webhooks-api-app.fixture';
import type { PublicAttempt, PublicDelivery, PublicSubscription } from './webhooks/webhooks-api.schemas';

// The delivery log and replays over the running API (real access guard and tokens, real Redis,
// the real webhooks queue): deliveries made as the fan-out makes them (DeliveryRepository.create)
// with attempts recorded as the worker records them; each owner reads and replays only its own
// subscriptions' deliveries; a replay is a new pending delivery of the same message (webhook-id)
// with a `webhook.deliver` job on its queue.

type ErrorBody = { error: { code: string; message: string } };
type Detail = { delivery: PublicDelivery; attempts: PublicAttempt[] };

let api: WebhooksApiApp;
let teamA: ApiClient;
let teamB: ApiClient;
let readerA: ApiClient;
let queue: Queue;
let subA: PublicSubscription;
let subB: PublicSubscription;
const HOUR = 3_600_000;
const T0 = Date.now() - 5 * HOUR;
/** Deliveries of team A's subscription: an old delivered one, a newer failing one; and one of team B's. */
const ids = { oldA: '', newA: '', b: '' };
let events: FactoryCloudEvent[];

async function subscribe(client: ApiClient): Promise<PublicSubscription> {
  const res = await client.request<{ subscription: PublicSubscription }>('POST', '/webhooks/subscriptions', {
    url: 'https://hooks.example.org/in',
  });
  expect(res.status).toBe(201);
  return res.body.subscription;
}

/** A delivery of `event` to `subscription` made at `at`, as the fan-out makes it. */
async function deliver(event: FactoryCloudEvent, subscriptionId: string, at: number): Promise<string> {
  await api.events.store(event, at);
  const id = deliveryIdOf(event.id, subscriptionId);
  const made = await api.deliveries.create(
    { id, subscriptionId, eventId: event.id, eventType: event.type, subject: event.subject, messageId: event.id },
    at,
  );
  expect(made).toBe(true);
  return id;
}

/** One attempt as the delivery worker records it. */
async function attempt(
  id: string,
  at: number,
  result: Parameters<typeof attemptRecordOf>[2],
  next: Parameters<WebhooksApiApp['deliveries']['record']>[3],
): Promise<void> {
  const claimed = await api.deliveries.claim(id, at);
  expect(claimed).toBeDefined();
  expect(
    await api.deliveries.record(id, claimed!.ticket, at, next, attemptRecordOf(claimed!.attempt, at, result)),
  ).toBe(true);
}

beforeAll(async () => {
  api = await startWebhooksApi();
  teamA = await api.client('team-a', ['read', 'webhooks']);
  teamB = await api.client('team-b', ['read', 'webhooks']);
  readerA = await api.client('team-a', ['read']);
  queue = new Queue(QueueName.webhooks, { connection: api.redis, prefix: api.prefix });
  subA = await subscribe(teamA);
  subB = await subscribe(teamB);
  events = imageEvents('examples/redis', T0);
  ids.oldA = await deliver(events[0]!, subA.id, T0);
  ids.newA = await deliver(events[1]!, subA.id, T0 + 2 * HOUR);
  ids.b = await deliver(events[1]!, subB.id, T0 + HOUR);
  await attempt(
    ids.oldA,
    T0 + 1000,
    {
      outcome: 'failed',
      status: 500,
      latencyMs: 42,
      excerpt: 'upstream exploded',
      excerptTruncated: false,
      errorCode: 'webhook-http-status',
      error: 'answered 500',
    },
    { state: 'retry', nextAt: T0 + 61_000 },
  );
  await attempt(
    ids.oldA,
    T0 + 61_000,
    { outcome: 'delivered', status: 204, latencyMs: 7, excerpt: '', excerptTruncated: false },
    { state: 'delivered' },
  );
}, 60_000);

afterAll(async () => {
  await queue?.close();
  await api?.close();
});

const list = async (client: ApiClient, query = '') => {
  const res = await client.request<{ deliveries: PublicDelivery[] }>('GET', `/webhooks/deliveries${query}`);
  expect(res.status).toBe(200);
  return res.body.deliveries;
};

describe('the delivery log', () => {
  it('lists the caller’s subscriptions’ deliveries newest first; admin every one', async () => {
    expect((await list(teamA)).map((d) => d.id)).toEqual([ids.newA, ids.oldA]);
    expect((await list(readerA)).map((d) => d.id)).toEqual([ids.newA, ids.oldA]);
    expect((await list(teamB)).map((d) => d.id)).toEqual([ids.b]);
    expect((await list(api.admin)).map((d) => d.id)).toEqual([ids.newA, ids.b, ids.oldA]);
    const [newest] = await list(teamA);
    expect(newest).toEqual({
      id: ids.newA,
      subscriptionId: subA.id,
      eventId: events[1]!.id,
      eventType: 'dev.patch-factory.image.updated',
      subject: 'examples/redis',
      messageId: events[1]!.id,
      state: 'pending',
      attempts: 0,
      createdAt: new Date(T0 + 2 * HOUR).toISOString(),
      updatedAt: new Date(T0 + 2 * HOUR).toISOString(),
      nextAttemptAt: new Date(T0 + 2 * HOUR).toISOString(),
    });
  });

  it('filters by subscription, state, since and limit', async () => {
    expect((await list(teamA, `?subscription=${subA.id}&state=delivered`)).map((d) => d.id)).toEqual([ids.oldA]);
    expect((await list(teamA, `?state=pending`)).map((d) => d.id)).toEqual([ids.newA]);
    const since = encodeURIComponent(new Date(T0 + HOUR).toISOString());
    expect((await list(teamA, `?since=${since}`)).map((d) => d.id)).toEqual([ids.newA]);
    expect((await list(api.admin, `?since=${since}`)).map((d) => d.id)).toEqual([ids.newA, ids.b]);
    expect((await list(api.admin, '?limit=1')).map((d) => d.id)).toEqual([ids.newA]);
    expect((await list(teamA, '?limit=1')).map((d) => d.id)).toEqual([ids.newA]);
    // Offsets are RFC 3339 too.
    const offset = encodeURIComponent(new Date(T0 + HOUR).toISOString().replace('Z', '+00:00'));
    expect((await list(teamA, `?since=${offset}`)).map((d) => d.id)).toEqual([ids.newA]);
  });

  it.each([
    ['?state=lost', /state/],
    ['?since=yesterday', /since/],
    ['?since=1700000000000', /since/],
    ['?limit=0', /limit/],
    ['?subscription=sub_nope', /subscription/],
    ['?owner=team-b', /owner/],
  ])('refuses the query %s with 400 naming it', async (query, message) => {
    const res = await teamA.request<ErrorBody>('GET', `/webhooks/deliveries${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('answers 404 for another owner’s subscription filter', async () => {
    const res = await teamA.request<ErrorBody>('GET', `/webhooks/deliveries?subscription=${subB.id}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('webhook-subscription-not-found');
  });

  it('shows one delivery with every attempt: status, latency, the bounded excerpt, the error code', async () => {
    const res = await teamA.request<Detail>('GET', `/webhooks/deliveries/${ids.oldA}`);
    expect(res.status).toBe(200);
    expect(res.body.delivery).toMatchObject({
      id: ids.oldA,
      state: 'delivered',
      attempts: 2,
      lastStatus: 204,
      deliveredAt: new Date(T0 + 61_000).toISOString(),
    });
    expect(res.body.attempts).toEqual([
      {
        attempt: 1,
        at: new Date(T0 + 1000).toISOString(),
        outcome: 'failed',
        status: 500,
        latencyMs: 42,
        excerpt: 'upstream exploded',
        excerptTruncated: false,
        errorCode: 'webhook-http-status',
        error: 'answered 500',
      },
      {
        attempt: 2,
        at: new Date(T0 + 61_000).toISOString(),
        outcome: 'delivered',
        status: 204,
        latencyMs: 7,
        excerpt: '',
        excerptTruncated: false,
      },
    ]);
  });

  it('answers another owner’s delivery 404 as a missing one; a malformed id 400', async () => {
    const other = await teamB.request<ErrorBody>('GET', `/webhooks/deliveries/${ids.oldA}`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('webhook-delivery-not-found');
    const missing = await teamB.request<ErrorBody>('GET', `/webhooks/deliveries/dlv_${'0'.repeat(26)}`);
    expect(missing.status).toBe(404);
    expect(other.body.error.message.replace(ids.oldA, `dlv_${'0'.repeat(26)}`)).toBe(missing.body.error.message);
    expect((await api.admin.request('GET', `/webhooks/deliveries/${ids.b}`)).status).toBe(200);
    expect((await teamA.request('GET', '/webhooks/deliveries/not-a-delivery')).status).toBe(400);
  });
});

/** The webhook.deliver jobs on the webhooks queue for a delivery. */
async function deliverJobs(deliveryId: string): Promise<number> {
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
  return jobs.filter(
    (j) => j?.name === 'webhook.deliver' && (j.data as { deliveryId?: string }).deliveryId === deliveryId,
  ).length;
}

describe('replays', () => {
  it('replays one delivery: a new pending delivery of the same message, queued for delivery', async () => {
    const res = await teamA.request<{ delivery: PublicDelivery }>('POST', `/webhooks/deliveries/${ids.oldA}/replay`);
    expect(res.status).toBe(202);
    const replay = res.body.delivery;
    expect(replay.id).not.toBe(ids.oldA);
    expect(replay).toMatchObject({
      subscriptionId: subA.id,
      eventId: events[0]!.id,
      messageId: events[0]!.id,
      replayOf: ids.oldA,
    });
    expect(await deliverJobs(replay.id)).toBe(1);
    expect((await teamA.request<Detail>('GET', `/webhooks/deliveries/${replay.id}`)).body.attempts).toEqual([]);
  });

  it('refuses a replay of another owner’s delivery (404), of a reader (403), of an expired event (410)', async () => {
    const other = await teamB.request<ErrorBody>('POST', `/webhooks/deliveries/${ids.oldA}/replay`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('webhook-delivery-not-found');
    expect((await readerA.request('POST', `/webhooks/deliveries/${ids.oldA}/replay`)).status).toBe(403);

    const [lost] = imageEvents('examples/valkey', T0);
    const id = deliveryIdOf(lost!.id, subA.id);
    await api.deliveries.create(
      {
        id,
        subscriptionId: subA.id,
        eventId: lost!.id,
        eventType: lost!.type,
        subject: lost!.subject,
        messageId: lost!.id,
      },
      T0,
    );
    const expired = await teamA.request<ErrorBody>('POST', `/webhooks/deliveries/${id}/replay`);
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('webhook-event-expired');
    expect(expired.body.error.message).toMatch(/no longer stored/);
  });

  it('replays a subscription’s deliveries since a time; refuses a future or malformed time, and a disabled subscription', async () => {
    const path = `/webhooks/subscriptions/${subA.id}/replay`;
    const res = await teamA.request<{ deliveries: PublicDelivery[] }>('POST', path, {
      since: new Date(T0 + HOUR).toISOString(),
    });
    expect(res.status).toBe(202);
    expect(res.body.deliveries.map((d) => d.replayOf)).toEqual([ids.newA]);
    expect(await deliverJobs(res.body.deliveries[0]!.id)).toBe(1);

    for (const since of [new Date(Date.now() + HOUR).toISOString(), 'last tuesday', 1_700_000_000_000]) {
      const bad = await teamA.request<ErrorBody>('POST', path, { since });
      expect({ since, status: bad.status }).toEqual({ since, status: 400 });
      expect(bad.body.error.message).toMatch(/since/);
    }
    expect((await teamB.request('POST', path, { since: new Date(T0).toISOString() })).status).toBe(404);

    await teamA.request('PATCH', `/webhooks/subscriptions/${subA.id}`, { enabled: false });
    const disabled = await teamA.request<ErrorBody>('POST', path, { since: new Date(T0).toISOString() });
    expect(disabled.status).toBe(409);
    expect(disabled.body.error.code).toBe('webhook-replay-invalid');
    expect(disabled.body.error.message).toMatch(/is disabled: enable it/);
    const one = await teamA.request<ErrorBody>('POST', `/webhooks/deliveries/${ids.oldA}/replay`);
    expect(one.status).toBe(409);
    await teamA.request('PATCH', `/webhooks/subscriptions/${subA.id}`, { enabled: true });
  });
});
