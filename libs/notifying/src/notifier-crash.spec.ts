import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, waitFor } from '@patch-factory/testing';
import { deliveryIdOf, ENDPOINT_SLOT_MS } from './delivery.repository';
import { imageEvent, TestNotifier } from './notifier.fixture';
import { startTestReceiver, type TestReceiver } from './webhook-receiver.fixture';

const EVENTS = 5;
const CAP = 2;

/**
 * kill -9 mid-delivery: a notifier in a child process (notifier-child.fixture.ts: a BullMQ worker
 * on `{webhooks}` with the real FanOut and DeliveryWorker, short locks) fans out 5 events and
 * starts their attempts to a receiver that holds every response; the test kills it with SIGKILL
 * while the attempts are in flight. Then the receiver answers again and a notifier in the test
 * process (a worker with short lock and stalled intervals, and the pump of due deliveries on the
 * ManualClock) finishes. The receiver has every event, duplicates only under the same
 * webhook-id, and the delivery log has each delivery `delivered` by exactly one attempt.
 */
describe('a notifier killed with SIGKILL mid-delivery', () => {
  let n: TestNotifier;
  let r: TestReceiver;
  let child: ChildProcess | undefined;
  let output = '';

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await r?.close();
    await n?.close();
  });

  const startChild = (env: Record<string, string>): ChildProcess => {
    const root = repoRoot();
    const c = spawn(
      process.execPath,
      [join(root, 'libs/publishing/test/ts-child.cjs'), join(root, 'libs/notifying/src/notifier-child.fixture.ts')],
      { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    c.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    c.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return c;
  };

  it('loses no delivery and duplicates none beyond the same webhook-id', async () => {
    n = TestNotifier.start({ worker: false, env: { PF_WEBHOOK_ENDPOINT_CONCURRENCY: String(CAP) } });
    r = await startTestReceiver({ hold: true });
    const { id: subscriptionId, secret } = await n.createSubscription(r.url);
    r.secrets = [secret];
    const events = Array.from({ length: EVENTS }, (_, i) => imageEvent(i));
    for (const e of events) await n.parts.publisher.publish(e);
    const ids = events.map((e) => deliveryIdOf(e.id, subscriptionId));

    // The webhook clock stands still until after the kill.
    const killedAt = n.clock.now();
    child = startChild({ ...n.env, PF_TEST_CLOCK_MS: String(killedAt), PF_TEST_LOCK_MS: '1000' });
    const exited = new Promise<string>((resolve) =>
      child?.once('exit', (code, signal) => resolve(String(signal ?? code))),
    );
    // The child fans out and has CAP attempts in flight, held by the receiver; the others wait for a slot.
    await waitFor(
      `the child's attempts to reach the receiver (child output: ${output.slice(-2000)})`,
      async () => {
        if (r.received.length < CAP) return undefined;
        const made = await Promise.all(ids.map((id) => n.parts.deliveries.get(id)));
        return made.every((d) => d !== undefined) ? true : undefined;
      },
      60_000,
    );
    const before = await Promise.all(ids.map((id) => n.parts.deliveries.require(id)));
    expect(before.map((d) => [d.state, d.attempts])).toEqual(ids.map(() => ['pending', 0]));
    const heldAtKill = r.received.length;
    expect(heldAtKill).toBe(CAP);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    r.hold = false;

    // Another notifier takes over: BullMQ's stalled check gives it the killed child's jobs; the
    // pump (the clock moved a second at a time) the deliveries that waited for a slot.
    n.startWorker(4, { lockDuration: 1_000, stalledInterval: 500 });
    for (let round = 0; round < 90; round++) {
      const states = await Promise.all(ids.map(async (id) => (await n.parts.deliveries.require(id)).state));
      if (states.every((s) => s === 'delivered')) break;
      n.clock.advance(1_000);
      await n.parts.dispatcher.pumpDue();
      await n.drain('the recovered jobs', 30_000);
    }

    const after = await Promise.all(ids.map((id) => n.parts.deliveries.require(id)));
    // Recovered in the slots the dead notifier left (its jobs run again under the same ticket),
    // not after those slots expired: the endpoint was not blocked by the dead notifier's attempts.
    expect(n.clock.now() - killedAt).toBeLessThan(ENDPOINT_SLOT_MS);
    expect(after.map((d) => d.state)).toEqual(ids.map(() => 'delivered'));
    for (const id of ids) {
      const attempts = await n.parts.deliveries.attempts(id);
      expect(attempts.filter((a) => a.outcome === 'delivered')).toHaveLength(1);
    }
    // Every event arrived; every request carries one of the events under its own id, with the same body each time.
    const counts = r.counts();
    expect([...counts.keys()].sort()).toEqual(events.map((e) => e.id).sort());
    const bodies = new Map(events.map((e) => [e.id, JSON.stringify(e)]));
    for (const d of r.received) {
      expect(d.eventId).toBe(d.webhookId);
      expect(d.body).toBe(bodies.get(d.webhookId));
      expect(d.signedBy).toEqual([true]);
      expect(d.cloudEvent).toBe(true);
    }
    // At most the attempts in flight at the kill were made twice.
    const duplicates = [...counts.values()].reduce((sum, c) => sum + c - 1, 0);
    expect(duplicates).toBeLessThanOrEqual(heldAtKill);
    expect(r.received.filter((d) => d.status === 204)).toHaveLength(EVENTS);
  });
});
