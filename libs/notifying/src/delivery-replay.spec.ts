import { deliveryIdOf } from './delivery.repository';
import { DeliveryReplay } from './delivery-replay';
import { imageEvent, TestNotifier } from './notifier.fixture';
import { WebhookKeys } from './webhook-keys';
import { startTestReceiver, type TestReceiver } from './webhook-receiver.fixture';

/** Replays: a new delivery of the same message (same webhook-id), by id or every delivery of an endpoint since a time. */
describe('DeliveryReplay (real Redis + BullMQ + a local receiver)', () => {
  let n: TestNotifier;
  let r: TestReceiver;
  let replay: DeliveryReplay;

  beforeEach(async () => {
    n = TestNotifier.start();
    r = await startTestReceiver({ strict: true });
    const p = n.parts;
    replay = new DeliveryReplay(p.deliveries, p.subscriptions, p.events, p.dispatcher, p.clock);
  });

  afterEach(async () => {
    await n.close();
    await r.close();
  });

  it('replays one delivery by id: a new delivery, the same webhook-id, signed again', async () => {
    const s = await n.createSubscription(r.url);
    r.secrets = [s.secret];
    const event = imageEvent(1);
    await n.publish(event);
    const original = deliveryIdOf(event.id, s.id);
    n.clock.advance(1_000);
    const made = await replay.replayOne(original);
    await n.drain();
    expect(made).toMatchObject({ replayOf: original, messageId: event.id, subscriptionId: s.id });
    expect(made.id).not.toBe(original);
    expect(await n.parts.deliveries.require(made.id)).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(r.received.map((d) => [d.webhookId, d.signedBy[0], d.cloudEvent])).toEqual([
      [event.id, true, true],
      [event.id, true, true],
    ]);
    expect(r.received[0]?.body).toBe(r.received[1]?.body);
  });

  it('replays every delivery of an endpoint since a time (not the replays themselves), oldest first', async () => {
    const s = await n.createSubscription(r.url);
    r.secrets = [s.secret];
    const t0 = n.clock.now();
    await n.publish(imageEvent(1));
    n.clock.advance(60_000);
    const since = n.clock.now();
    await n.publish(imageEvent(2));
    n.clock.advance(60_000);
    await n.publish(imageEvent(3));
    n.clock.advance(60_000);
    const first = await replay.replaySince(s.id, since);
    await n.drain();
    expect(first.map((d) => d.messageId)).toEqual([imageEvent(2).id, imageEvent(3).id]);
    // Again from the start: the three originals, not the two replays just made.
    const second = await replay.replaySince(s.id, t0);
    await n.drain();
    expect(second.map((d) => d.messageId)).toEqual([1, 2, 3].map((i) => imageEvent(i).id));
    expect(r.received).toHaveLength(3 + 2 + 3);
    expect(r.received.every((d) => d.signedBy[0] === true)).toBe(true);
  });

  it('refuses a disabled subscription, a time to come, an unknown delivery and an expired event, naming each', async () => {
    const s = await n.createSubscription(r.url);
    const event = imageEvent(1);
    await n.publish(event);
    const original = deliveryIdOf(event.id, s.id);
    await expect(replay.replaySince(s.id, n.clock.now() + 1)).rejects.toMatchObject({
      code: 'webhook-replay-invalid',
    });
    await expect(replay.replayOne('dlv_nope')).rejects.toMatchObject({ code: 'webhook-delivery-not-found' });
    await n.parts.subscriptions.disable(s.id, 'test', n.clock.now());
    await expect(replay.replayOne(original)).rejects.toThrow(/is disabled: enable it/);
    await n.parts.subscriptions.enable(s.id, n.clock.now());
    await n.parts.redis.del(new WebhookKeys(n.parts.prefix).event(event.id));
    await expect(replay.replayOne(original)).rejects.toMatchObject({ code: 'webhook-event-expired' });
    expect(await replay.replaySince(s.id, 0)).toEqual([]);
  });
});
