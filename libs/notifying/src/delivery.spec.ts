import { RETRY_SCHEDULE_MS } from '@patch-factory/webhooks';
import { CLAIM_LEASE_MS, deliveryIdOf, ENDPOINT_SLOT_MS } from './delivery.repository';
import { SIGNING_KEY_RETRY_MS } from './delivery-worker';
import { buildNotifier, imageEvent, TestNotifier } from './notifier.fixture';
import { startTestReceiver, type TestReceiver } from './webhook-receiver.fixture';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Deliveries end to end on real Redis and a real BullMQ worker on `{webhooks}`, to real local
 * receivers that verify each request with the `standardwebhooks` package and validate its body
 * as a CloudEvent. The webhook clock is a ManualClock: retries are reached by moving it, never by
 * sleeping.
 */
describe('webhook deliveries (real Redis + BullMQ + local receivers)', () => {
  let n: TestNotifier;
  const receivers: TestReceiver[] = [];

  const receiver = async (options: Parameters<typeof startTestReceiver>[0] = {}): Promise<TestReceiver> => {
    const r = await startTestReceiver({ strict: true, ...options });
    receivers.push(r);
    return r;
  };

  afterEach(async () => {
    await n?.close();
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  /** Moves the clock to each next attempt of `deliveryId` until it is no longer pending (bounded). */
  const runToEnd = async (deliveryId: string, maxRounds = 20): Promise<void> => {
    for (let i = 0; i < maxRounds; i++) {
      const d = await n.parts.deliveries.require(deliveryId);
      if (d.state !== 'pending') return;
      n.clock.set(Math.max(n.clock.now(), d.nextAttemptAt ?? n.clock.now()));
      await n.parts.dispatcher.pumpDue();
      await n.drain();
    }
    throw new Error(`delivery ${deliveryId} still pending after ${maxRounds} rounds`);
  };

  it('fans one event out to the matching subscriptions only, once, signed and a valid CloudEvent', async () => {
    n = TestNotifier.start();
    const [r1, r2, r3] = [await receiver(), await receiver(), await receiver()];
    const s1 = await n.createSubscription(r1.url, 'team-a', { images: ['examples/redis'] });
    const s2 = await n.createSubscription(r2.url, 'team-a', { images: ['examples/nginx'] });
    const s3 = await n.createSubscription(r3.url, 'team-b', { eventTypes: ['image.updated'], tags: ['8*'] });
    r1.secrets = [s1.secret];
    r2.secrets = [s2.secret];
    r3.secrets = [s3.secret];
    const event = imageEvent(1, 'redis');
    await n.publish(event);

    expect(r1.received).toHaveLength(1);
    expect(r2.received).toHaveLength(0);
    expect(r3.received).toHaveLength(1);
    for (const d of [...r1.received, ...r3.received]) {
      expect(d).toMatchObject({ webhookId: event.id, signedBy: [true], cloudEvent: true, eventId: event.id });
      expect(JSON.parse(d.body)).toEqual(event);
      expect(d.contentType).toBe('application/cloudevents+json; charset=utf-8');
    }
    expect(r1.received[0]?.timestamp).toBe(Math.floor(n.clock.now() / 1000));

    // The fan-out again (a retried job), and the event published again: no second delivery.
    expect(await n.parts.fanOut.fanOut(event.id)).toMatch(/2 subscription\(s\), 0 new deliveries/);
    await n.parts.publisher.publish(event);
    await n.drain();
    await n.parts.fanOut.fanOut(event.id);
    await n.drain();
    expect([r1.received.length, r2.received.length, r3.received.length]).toEqual([1, 0, 1]);
    const log = await n.parts.deliveries.list();
    expect(log.map((d) => [d.subscriptionId, d.state, d.attempts]).sort()).toEqual(
      [
        [s1.id, 'delivered', 1],
        [s3.id, 'delivered', 1],
      ].sort(),
    );
    expect(log.every((d) => d.messageId === event.id)).toBe(true);
  });

  it('keeps the same webhook-id on every retry and logs each attempt with status, latency and a bounded excerpt', async () => {
    n = TestNotifier.start();
    let calls = 0;
    // Not strict: the third attempt is 5 min ahead of the wall clock (verify's tolerance).
    const r = await receiver({
      strict: false,
      respond: () => (++calls <= 2 ? { status: 500, body: 'x'.repeat(5000) } : { status: 204 }),
    });
    const s = await n.createSubscription(r.url);
    r.secrets = [s.secret];
    const event = imageEvent(2);
    await n.publish(event);
    const id = deliveryIdOf(event.id, s.id);
    const first = await n.parts.deliveries.require(id);
    expect(first).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 500 });
    expect((first.nextAttemptAt as number) - n.clock.now()).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[1] as number);
    // Not due yet: pumping sends nothing.
    await n.tick(1_000);
    expect(r.received).toHaveLength(1);
    await runToEnd(id);

    expect(r.received.map((d) => [d.webhookId, d.status, d.signedBy[0], d.cloudEvent])).toEqual([
      [event.id, 500, true, true],
      [event.id, 500, true, true],
      [event.id, 204, true, true],
    ]);
    const attempts = await n.parts.deliveries.attempts(id);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.status])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'delivered', 204],
    ]);
    for (const a of attempts.slice(0, 2)) {
      expect(a.excerpt.length).toBeLessThanOrEqual(1024);
      expect(a.excerpt.length).toBeGreaterThan(0);
      expect(a.excerptTruncated).toBe(true);
      expect(a.latencyMs).toBeGreaterThanOrEqual(0);
      expect(a.address).toBe('127.0.0.1');
    }
    expect(await n.parts.deliveries.require(id)).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 204 });
  });

  it('signs with both secrets during a rotation overlap (each verifies alone) and only the new one after it', async () => {
    n = TestNotifier.start();
    const r = await receiver();
    const s = await n.createSubscription(r.url);
    const { secret: fresh } = await n.parts.subscriptions.rotate(s.id, n.clock.now(), 60_000);
    r.secrets = [s.secret, fresh];
    await n.publish(imageEvent(3));
    expect(r.received).toHaveLength(1);
    expect(r.received[0]?.signatures).toHaveLength(2);
    expect(r.received[0]?.signedBy).toEqual([true, true]);

    n.clock.advance(60_001);
    await n.publish(imageEvent(4));
    expect(r.received).toHaveLength(2);
    expect(r.received[1]?.signatures).toHaveLength(1);
    expect(r.received[1]?.signedBy).toEqual([false, true]);
  });

  it('a 410 disables the subscription and tells the owner its other subscriptions, not another owner', async () => {
    n = TestNotifier.start();
    const gone = await receiver({ respond: () => ({ status: 410 }) });
    const sibling = await receiver();
    const stranger = await receiver();
    const sGone = await n.createSubscription(gone.url, 'team-a', { images: ['examples/redis'] });
    const sSibling = await n.createSubscription(sibling.url, 'team-a', { images: ['examples/nginx'] });
    const sStranger = await n.createSubscription(stranger.url, 'team-b');
    gone.secrets = [sGone.secret];
    sibling.secrets = [sSibling.secret];
    stranger.secrets = [sStranger.secret];
    const event = imageEvent(5, 'redis');
    await n.publish(event);

    expect(gone.received).toHaveLength(1);
    const disabled = await n.parts.subscriptions.require(sGone.id);
    expect(disabled.enabled).toBe(false);
    expect(disabled.disabled?.reason).toMatch(/410/);
    expect(await n.parts.deliveries.require(deliveryIdOf(event.id, sGone.id))).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastStatus: 410,
    });
    // The sibling's image filter does not hide the owner's notice; the stranger hears only the image event.
    expect(sibling.received.map((d) => [d.eventType, d.signedBy[0], d.cloudEvent])).toEqual([
      ['dev.patch-factory.subscription.disabled', true, true],
    ]);
    expect((JSON.parse(sibling.received[0]?.body ?? '{}') as { data: unknown }).data).toMatchObject({
      subscription: sGone.id,
    });
    expect(stranger.received.map((d) => d.eventType)).toEqual(['dev.patch-factory.image.updated']);

    // Nothing more goes to the disabled subscription.
    await n.publish(imageEvent(6, 'redis'));
    expect(gone.received).toHaveLength(1);
    expect(stranger.received).toHaveLength(2);
  });

  it('a notifier lost between recording a 410 and telling the owner finishes on the retry of its job', async () => {
    n = TestNotifier.start();
    const gone = await receiver({ respond: () => ({ status: 410 }) });
    const sibling = await receiver();
    const sGone = await n.createSubscription(gone.url, 'team-a');
    const sSibling = await n.createSubscription(sibling.url, 'team-a', { eventTypes: ['subscription.disabled'] });
    sibling.secrets = [sSibling.secret];
    // The first `subscription.disabled` publication fails (the notifier's Redis connection lost
    // between the steps): the job fails and BullMQ runs it again, with the same ticket.
    const publisher = n.parts.publisher;
    const publish = publisher.publish.bind(publisher);
    let lost = 0;
    publisher.publish = (event, audience) =>
      event.type === 'dev.patch-factory.subscription.disabled' && lost++ === 0
        ? Promise.reject(new Error('connection lost before the owner was told'))
        : publish(event, audience);
    const event = imageEvent(11, 'redis');
    await n.parts.publisher.publish(event);
    await expect(n.drain()).rejects.toThrow(/connection lost before the owner was told/);
    expect(n.errors.splice(0)).toHaveLength(1);

    expect(gone.received).toHaveLength(1);
    expect(await n.parts.deliveries.attempts(deliveryIdOf(event.id, sGone.id))).toHaveLength(1);
    expect(await n.parts.deliveries.require(deliveryIdOf(event.id, sGone.id))).toMatchObject({
      state: 'failed',
      lastStatus: 410,
    });
    expect((await n.parts.subscriptions.require(sGone.id)).enabled).toBe(false);
    expect(sibling.received.map((d) => [d.eventType, d.signedBy[0]])).toEqual([
      ['dev.patch-factory.subscription.disabled', true],
    ]);
  });

  it('the retry of a job that disabled a subscription does not disable it again once its owner enabled it', async () => {
    n = TestNotifier.start({ worker: false });
    const gone = await receiver({ respond: () => ({ status: 410 }) });
    const s = await n.createSubscription(gone.url, 'team-a');
    const event = imageEvent(12);
    await n.parts.events.store(event, n.clock.now());
    await n.parts.fanOut.fanOut(event.id);
    const id = deliveryIdOf(event.id, s.id);
    expect(await n.parts.worker.deliver({ v: 1, deliveryId: id, ticket: 1 })).toMatch(/410/);
    expect((await n.parts.subscriptions.require(s.id)).enabled).toBe(false);
    n.clock.advance(60_000);
    await n.parts.subscriptions.enable(s.id, n.clock.now());
    // The same job again (BullMQ's retry after a lost lock): the delivery has ended; nothing changes.
    await n.parts.worker.deliver({ v: 1, deliveryId: id, ticket: 1 });
    expect((await n.parts.subscriptions.require(s.id)).enabled).toBe(true);
    expect(gone.received).toHaveLength(1);
  });

  it('429 with Retry-After delays the next attempt by at least that', async () => {
    n = TestNotifier.start();
    let calls = 0;
    const r = await receiver({
      respond: () => (++calls === 1 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 204 }),
    });
    const s = await n.createSubscription(r.url);
    r.secrets = [s.secret];
    const event = imageEvent(7);
    await n.publish(event);
    const id = deliveryIdOf(event.id, s.id);
    const [attempt] = await n.parts.deliveries.attempts(id);
    expect(attempt).toMatchObject({ outcome: 'throttled', status: 429, retryAfterMs: 120_000 });
    const pending = await n.parts.deliveries.require(id);
    expect((pending.nextAttemptAt as number) - (attempt?.at as number)).toBeGreaterThanOrEqual(120_000);
    await n.tick(60_000);
    await n.tick(59_000);
    expect(r.received).toHaveLength(1);
    await n.tick(1_001);
    expect(r.received.map((d) => d.status)).toEqual([429, 204]);
    expect(await n.parts.deliveries.require(id)).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('after the 8th failure the delivery is failed (the dead end) with 8 attempts logged', async () => {
    n = TestNotifier.start();
    const r = await receiver({ strict: false, respond: () => ({ status: 500, body: 'e'.repeat(3000) }) });
    const s = await n.createSubscription(r.url);
    r.secrets = [s.secret];
    const event = imageEvent(8);
    await n.publish(event);
    const id = deliveryIdOf(event.id, s.id);
    await runToEnd(id);
    const d = await n.parts.deliveries.require(id);
    expect(d).toMatchObject({ state: 'failed', attempts: 8, lastStatus: 500 });
    expect(d.reason).toMatch(/all 8 attempts failed/);
    const attempts = await n.parts.deliveries.attempts(id);
    expect(attempts.map((a) => [a.attempt, a.status, a.excerptTruncated])).toEqual(
      Array.from({ length: 8 }, (_, i) => [i + 1, 500, true]),
    );
    expect(attempts.every((a) => a.excerpt.length <= 1024 && a.latencyMs >= 0)).toBe(true);
    // The attempts follow the schedule (at least 27 h from first to last).
    expect((attempts[7]?.at as number) - (attempts[0]?.at as number)).toBeGreaterThanOrEqual(
      RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0),
    );
    expect(r.received).toHaveLength(8);
    expect(new Set(r.received.map((x) => x.webhookId))).toEqual(new Set([event.id]));
    expect(r.received.every((x) => x.signedBy[0] === true)).toBe(true);
    // A dead letter, not a disabled endpoint (it failed for less than 5 days).
    expect((await n.parts.subscriptions.require(s.id)).enabled).toBe(true);
    await n.tick(DAY);
    expect(r.received).toHaveLength(8);
  });

  it('an endpoint failing for 5 days of the webhook clock is disabled, and its owner told', async () => {
    n = TestNotifier.start();
    const down = await receiver({ strict: false, respond: () => ({ status: 503 }) });
    const sibling = await receiver({ strict: false });
    const sDown = await n.createSubscription(down.url, 'team-a');
    const sSibling = await n.createSubscription(sibling.url, 'team-a', { eventTypes: ['subscription.disabled'] });
    down.secrets = [sDown.secret];
    sibling.secrets = [sSibling.secret];
    const start = n.clock.now();
    let published = 0;
    // An event every 6 hours, the due attempts every hour: at most 6 days.
    for (let hour = 0; hour < 6 * 24; hour++) {
      if (hour % 6 === 0) await n.publish(imageEvent(100 + published++, 'redis', { at: n.clock.now() }));
      if (!(await n.parts.subscriptions.require(sDown.id)).enabled) break;
      await n.tick(HOUR);
    }
    const s = await n.parts.subscriptions.require(sDown.id);
    expect(s.enabled).toBe(false);
    expect(s.disabled?.reason).toMatch(/every attempt failed since/);
    expect((s.disabled?.since as number) - start).toBeGreaterThanOrEqual(5 * DAY);
    expect((s.disabled?.since as number) - start).toBeLessThan(5 * DAY + 2 * HOUR);
    expect(sibling.received.map((d) => [d.eventType, d.signedBy[0]])).toEqual([
      ['dev.patch-factory.subscription.disabled', true],
    ]);
    // Its pending deliveries are cancelled when next due, and nothing is sent to it any more.
    const sent = down.received.length;
    for (let i = 0; i < 40; i++) await n.tick(HOUR);
    expect(down.received).toHaveLength(sent);
    const pending = await n.parts.deliveries.list({ subscriptionId: sDown.id, state: 'pending' });
    expect(pending).toEqual([]);
  });

  it("an endpoint's slots: at most the cap, the same claim takes its own slot again, expired slots free", async () => {
    n = TestNotifier.start({ worker: false });
    const d = n.parts.deliveries;
    const now = n.clock.now();
    const w = (deliveryId: string) => ({ deliveryId, ticket: 1, fallbackAt: now + 2_000 });
    expect(await d.acquireEndpointSlot('sub_x', 'dlv_a.1', now, 2, w('dlv_a'))).toBe(true);
    expect(await d.acquireEndpointSlot('sub_x', 'dlv_b.1', now, 2, w('dlv_b'))).toBe(true);
    expect(await d.acquireEndpointSlot('sub_x', 'dlv_c.1', now, 2, w('dlv_c'))).toBe(false);
    // The job of claim dlv_a.1 run again after its notifier died (BullMQ's stalled check).
    expect(await d.acquireEndpointSlot('sub_x', 'dlv_a.1', now + 1, 2, w('dlv_a'))).toBe(true);
    expect(await d.acquireEndpointSlot('sub_x', 'dlv_c.1', now + 1, 2, w('dlv_c'))).toBe(false);
    expect(await d.acquireEndpointSlot('sub_y', 'dlv_c.1', now + 1, 2, w('dlv_c'))).toBe(true);
    await d.releaseEndpointSlot('sub_x', 'dlv_b.1', now + 1);
    expect(await d.acquireEndpointSlot('sub_x', 'dlv_c.1', now + 2, 2, w('dlv_c'))).toBe(true);
    expect(await d.acquireEndpointSlot('sub_x', 'dlv_d.1', now + 2, 2, w('dlv_d'))).toBe(false);
    expect(await d.acquireEndpointSlot('sub_x', 'dlv_d.1', now + 2 + ENDPOINT_SLOT_MS, 2, w('dlv_d'))).toBe(true);
  });

  it('a delivery that found its endpoint busy gets the next released slot at once, longest waiting first', async () => {
    n = TestNotifier.start({ worker: false });
    const d = n.parts.deliveries;
    const now = n.clock.now();
    const ids = ['a', 'b', 'c', 'e'].map((x) => `dlv_${x.repeat(26)}`);
    for (const id of ids) {
      await d.create({ id, subscriptionId: 'sub_x', eventId: 'e', eventType: 't', subject: 's', messageId: 'm' }, now);
      expect(await d.claim(id, now)).toEqual({ ticket: 1, attempt: 1 });
    }
    const [a, b, c, e] = ids as [string, string, string, string];
    const w = (deliveryId: string, ticket = 1) => ({ deliveryId, ticket, fallbackAt: now + 2_000 });
    expect(await d.acquireEndpointSlot('sub_x', `${a}.1`, now, 1, w(a))).toBe(true);
    expect(await d.acquireEndpointSlot('sub_x', `${b}.1`, now + 1, 1, w(b))).toBe(false);
    // A stale job (old ticket) does not queue its delivery.
    expect(await d.acquireEndpointSlot('sub_x', `${e}.0`, now + 2, 1, w(e, 0))).toBe(false);
    expect(await d.acquireEndpointSlot('sub_x', `${c}.1`, now + 3, 1, w(c))).toBe(false);
    // Waiting ones are due at the fallback only (not before), should the hand-off be lost.
    expect(await d.dueIds(now + 10, 10)).toEqual([]);
    expect((await d.dueIds(now + 2_000, 10)).sort()).toEqual([b, c].sort());
    // The slot goes to b (longest waiting), made due now; then to c; then to nobody.
    expect(await d.releaseEndpointSlot('sub_x', `${a}.1`, now + 20)).toBe(b);
    expect(await d.dueIds(now + 20, 10)).toEqual([b]);
    expect(await d.releaseEndpointSlot('sub_x', `${b}.2`, now + 21)).toBe(c);
    expect(await d.releaseEndpointSlot('sub_x', `${c}.2`, now + 22)).toBeUndefined();
  });

  it('since when an endpoint fails: its first failure after a success, never an endpoint failing since 1970', async () => {
    n = TestNotifier.start({ worker: false });
    const d = n.parts.deliveries;
    const t = n.clock.now();
    expect(await d.noteEndpointFailure('sub_x', t)).toBe(t);
    expect(await d.noteEndpointFailure('sub_x', t + 5)).toBe(t);
    await d.noteEndpointSuccess('sub_x');
    expect(await d.noteEndpointFailure('sub_x', t + 9)).toBe(t + 9);
    await d.noteEndpointSuccess('sub_x');
    // A success of another attempt to the same endpoint lands between the failure's steps (one
    // connection: its commands run in the order they are sent). The failure must not read "never".
    const [since] = await Promise.all([d.noteEndpointFailure('sub_x', t + 20), d.noteEndpointSuccess('sub_x')]);
    expect(since).toBe(t + 20);
  });

  it('a stale job (an old ticket) changes nothing and sends nothing', async () => {
    n = TestNotifier.start({ worker: false });
    const r = await receiver();
    const s = await n.createSubscription(r.url);
    r.secrets = [s.secret];
    const event = imageEvent(9);
    await n.parts.events.store(event, n.clock.now());
    await n.parts.fanOut.fanOut(event.id);
    const id = deliveryIdOf(event.id, s.id);
    // The first claim's job is lost; its lease ends and the delivery is claimed again.
    n.clock.advance(CLAIM_LEASE_MS + 1);
    expect(await n.parts.dispatcher.dispatch(id)).toBe(true);
    const before = await n.parts.deliveries.require(id);
    expect(await n.parts.worker.deliver({ v: 1, deliveryId: id, ticket: 1 })).toMatch(/stale/);
    expect(r.received).toHaveLength(0);
    expect(await n.parts.deliveries.require(id)).toEqual(before);
    expect(await n.parts.deliveries.attempts(id)).toEqual([]);

    expect(await n.parts.worker.deliver({ v: 1, deliveryId: id, ticket: 2 })).toMatch(/delivered/);
    expect(r.received).toHaveLength(1);
    // The old job, or the current one again, after the delivery: nothing.
    await n.parts.worker.deliver({ v: 1, deliveryId: id, ticket: 1 });
    await n.parts.worker.deliver({ v: 1, deliveryId: id, ticket: 2 });
    expect(r.received).toHaveLength(1);
    expect(await n.parts.deliveries.attempts(id)).toHaveLength(1);
  });

  it('a delivery that cannot be signed (the sealing key gone from the settings) stays pending, sends nothing, and is tried again later', async () => {
    n = TestNotifier.start({ worker: false });
    const r = await receiver();
    const s = await n.createSubscription(r.url);
    r.secrets = [s.secret];
    const event = imageEvent(11);
    await n.parts.events.store(event, n.clock.now());
    await n.parts.fanOut.fanOut(event.id);
    const id = deliveryIdOf(event.id, s.id);
    // The same notifier restarted without PF_WEBHOOK_SECRET_KEYS (same prefix, same clock).
    const { PF_WEBHOOK_SECRET_KEYS: _keys, ...withoutKeys } = n.env;
    const keyless = buildNotifier(withoutKeys, n.clock, n.parts.redis);
    expect(await keyless.worker.deliver({ v: 1, deliveryId: id, ticket: 1 })).toMatch(
      /cannot be signed \(webhook-secret-keys-missing\)/,
    );
    expect(r.received).toHaveLength(0);
    const kept = await n.parts.deliveries.require(id);
    expect(kept).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: n.clock.now() + SIGNING_KEY_RETRY_MS });
    expect(await n.parts.deliveries.dueIds(n.clock.now() + SIGNING_KEY_RETRY_MS - 1, 10)).toEqual([]);
    // Keys back: the next claim delivers it.
    n.clock.advance(SIGNING_KEY_RETRY_MS);
    expect(await n.parts.dispatcher.dispatch(id)).toBe(true);
    expect(await n.parts.worker.deliver({ v: 1, deliveryId: id, ticket: 2 })).toMatch(/delivered/);
    expect(r.received).toHaveLength(1);
  });
});
