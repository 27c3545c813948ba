import { deliverOnce } from '@patch-factory/webhooks';
import type { AttemptFn } from './delivery-worker';
import { imageEvent, TestNotifier } from './notifier.fixture';
import { startTestReceiver, type TestReceiver } from './webhook-receiver.fixture';

const CAP = 2;
const WORKER_CONCURRENCY = 5;
const EVENTS = 12;

/**
 * A slow endpoint never delays the others: an endpoint that accepts the connection and never
 * answers, and a healthy one, both subscribed to every event. With PF_WEBHOOK_ENDPOINT_CONCURRENCY
 * = 2 and two workers of concurrency 5, the slow endpoint holds at most 2 attempts in flight (the
 * others wait for its slots, postponed), so the healthy endpoint's deliveries all complete while
 * it hangs. Counts only: in flight at the receiver and in the attempt function, attempts made.
 */
describe('per-endpoint slots: a hanging endpoint holds at most its cap, the healthy one gets everything', () => {
  let n: TestNotifier;
  let slow: TestReceiver;
  let healthy: TestReceiver;
  const inFlight = new Map<string, { now: number; max: number }>();

  /** deliverOnce, counting the attempts in flight per URL (the notifier's side of the cap). */
  const countingAttempt: AttemptFn = async (input) => {
    const c = inFlight.get(input.url) ?? { now: 0, max: 0 };
    inFlight.set(input.url, c);
    c.now++;
    c.max = Math.max(c.max, c.now);
    try {
      return await deliverOnce(input);
    } finally {
      c.now--;
    }
  };

  afterEach(async () => {
    // Closing the hanging receiver ends its attempts; then the queue settles and is removed.
    await slow?.close();
    await healthy?.close();
    await n?.drain('the attempts to the closed receivers to end');
    await n?.close();
  });

  it('completes every healthy delivery while the hanging endpoint holds at most its cap', async () => {
    n = TestNotifier.start({
      env: { PF_WEBHOOK_ENDPOINT_CONCURRENCY: String(CAP) },
      concurrency: WORKER_CONCURRENCY,
      attemptFn: countingAttempt,
    });
    // A second worker: the cap holds across notifiers (the slots are in Redis), not per process.
    n.startWorker(WORKER_CONCURRENCY);
    slow = await startTestReceiver({ hold: true });
    healthy = await startTestReceiver({ strict: true });
    const sSlow = await n.createSubscription(slow.url, 'team-slow');
    const sHealthy = await n.createSubscription(healthy.url, 'team-healthy');
    healthy.secrets = [sHealthy.secret];
    slow.secrets = [sSlow.secret];

    for (let i = 0; i < EVENTS; i++) await n.parts.publisher.publish(imageEvent(i));
    // Every healthy delivery completes while the slow endpoint's attempts hang. Both endpoints
    // have CAP slots: what finds its endpoint busy is postponed half a second and pumped again
    // (the clock moves a second a round, at most 20 s in all: less than a slot's 30 s lease, so the hanging attempts keep theirs).
    let healthyDone = 0;
    for (let round = 0; round < 15 && healthyDone < EVENTS; round++) {
      await n.drain('the jobs besides the hanging attempts', 30_000, CAP);
      healthyDone = (await n.parts.deliveries.list({ subscriptionId: sHealthy.id, state: 'delivered' })).length;
      n.clock.advance(1_000);
      await n.parts.dispatcher.pumpDue();
    }
    expect(healthyDone).toBe(EVENTS);
    await n.drain('every job but the hanging attempts', 30_000, CAP);
    expect(healthy.counts().size).toBe(EVENTS);
    expect(healthy.received.every((d) => d.signedBy[0] === true && d.cloudEvent)).toBe(true);
    expect(slow.received.length).toBeLessThanOrEqual(CAP);
    expect(slow.open.max).toBeLessThanOrEqual(CAP);
    expect(inFlight.get(slow.url)?.max).toBeLessThanOrEqual(CAP);

    // The slow endpoint's other deliveries wait their turn, pumped again and again while it hangs.
    for (let round = 0; round < 5; round++) {
      n.clock.advance(1_000);
      await n.parts.dispatcher.pumpDue();
      await n.drain('the postponed deliveries to be postponed again', 30_000, CAP);
    }
    expect(slow.open.max).toBeLessThanOrEqual(CAP);
    expect(slow.open.now).toBeLessThanOrEqual(CAP);
    expect(inFlight.get(slow.url)?.max).toBeLessThanOrEqual(CAP);
    const slowLog = await n.parts.deliveries.list({ subscriptionId: sSlow.id });
    expect(slowLog).toHaveLength(EVENTS);
    expect(slowLog.every((d) => d.state === 'pending')).toBe(true);
    // Only the attempts that got a slot were made (none is recorded yet: they hang).
    expect(slowLog.reduce((sum, d) => sum + d.attempts, 0)).toBe(0);
  });
});
