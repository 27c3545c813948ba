import { MAX_ATTEMPTS } from '@patch-factory/webhooks';
import { imageEvent, TestNotifier } from './notifier.fixture';
import { closedPort, startTestReceiver, type TestReceiver } from './webhook-receiver.fixture';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * A receiver down for a simulated day (nothing listens on its port: connections are refused)
 * while 20 events are published; then it comes back. The webhook clock is a ManualClock moved
 * in 10-minute steps; each step dispatches what is due (DeliveryDispatcher.pumpDue) and lets
 * the real BullMQ worker process it. No sleeping, every loop bounded.
 */
describe('a receiver down for a simulated day gets every event once it is back', () => {
  let n: TestNotifier;
  let r: TestReceiver | undefined;

  afterEach(async () => {
    await n?.close();
    await r?.close();
  });

  it.each(['refusing connections', 'answering 503 without Retry-After'])(
    'down (%s): all 20 events arrive within the retry schedule, each webhook-id at least once and none twice',
    async (how) => {
      n = TestNotifier.start({ concurrency: 8 });
      const refusing = how === 'refusing connections';
      // Down: nothing listens on the port, or the receiver answers 503 until it is back.
      const unavailable = refusing ? undefined : await startTestReceiver({ respond: () => ({ status: 503 }) });
      r = unavailable;
      const port = unavailable?.port ?? (await closedPort());
      const { id: subscriptionId, secret } = await n.createSubscription(`http://127.0.0.1:${port}/hook`);
      if (unavailable) unavailable.secrets = [secret];
      const published: string[] = [];

      // The day down: an event every 70 minutes (20 of them), the due attempts every 10 minutes.
      for (let step = 0; step < 144; step++) {
        if (step % 7 === 0 && published.length < 20) {
          const event = imageEvent(published.length, 'redis', { at: n.clock.now() });
          published.push(event.id);
          await n.publish(event);
        }
        await n.tick(10 * MINUTE);
      }
      expect(published).toHaveLength(20);
      const during = await n.parts.deliveries.list({ subscriptionId });
      expect(during).toHaveLength(20);
      expect(during.every((d) => d.state === 'pending' && d.attempts >= 1)).toBe(true);
      const firstAttempts = await n.parts.deliveries.attempts(during.at(-1)?.id as string);
      expect(firstAttempts.length).toBeGreaterThanOrEqual(6);
      if (refusing) {
        expect(firstAttempts[0]).toMatchObject({ outcome: 'failed', errorCode: expect.any(String) as string });
        expect(firstAttempts.every((a) => a.status === undefined)).toBe(true);
      } else {
        expect(firstAttempts.every((a) => a.outcome === 'throttled' && a.status === 503)).toBe(true);
      }

      // Back (on the same port): it answers 204 from now on.
      if (unavailable) unavailable.respond = () => ({ status: 204 });
      else r = await startTestReceiver({ port });
      const up = r as TestReceiver;
      up.secrets = [secret];
      const back = n.clock.now();
      // The last attempt of the first event is due at most 1.2 × 27 h 35 min after it was published.
      for (let step = 0; step < 6 * 36; step++) {
        const pending = await n.parts.deliveries.list({ subscriptionId, state: 'pending' });
        if (pending.length === 0) break;
        await n.tick(10 * MINUTE);
      }
      const after = await n.parts.deliveries.list({ subscriptionId });
      expect(after.map((d) => d.state)).toEqual(Array.from({ length: 20 }, () => 'delivered'));
      expect(after.every((d) => d.attempts <= MAX_ATTEMPTS)).toBe(true);
      expect(n.clock.now() - back).toBeLessThanOrEqual(34 * HOUR);

      // What the receiver took (answered 2xx): each webhook-id at least once, duplicates counted.
      const taken = up.received.filter((d) => d.status === 204);
      const counts = new Map<string, number>();
      for (const d of taken) counts.set(d.webhookId, (counts.get(d.webhookId) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual([...published].sort());
      const duplicates = [...counts.values()].reduce((sum, c) => sum + (c - 1), 0);
      expect(duplicates).toBe(0);
      expect(up.received.every((d) => d.signedBy[0] === true && d.cloudEvent && d.eventId === d.webhookId)).toBe(true);
      expect((await n.parts.subscriptions.require(subscriptionId)).enabled).toBe(true);
    },
    // Generous: some 300 steps of real Redis and BullMQ work on a shared machine.
    180_000,
  );
});
