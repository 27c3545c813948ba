import { Queue } from 'bullmq';
import { QueueName, upstreamEventId, upstreamEventJobId, type DeadLetterPayload } from '@patch-factory/contracts';
import { BackboneFixture, waitFor, type ApiClient } from '../src';

type Entry = DeadLetterPayload & { id: string };

const HOSTILE = [
  ';id',
  'pkg:deb/debian/openssl\nid',
  'file:///etc/passwd',
  '--upload-pack=touch /tmp/pf-pwned',
  'ext::sh -c id',
  'tool\u0000',
];

/**
 * Issue 14: a ref that is no ref (shell metacharacters, a newline, `file:`, an option) is an
 * input error. The API answers 400 naming `ref` and enqueues nothing; a planning job whose
 * stored event carries one (put there by hand, past the API) fails once, terminally.
 */
describe('a hostile upstream ref is an input error, never retried', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn', PF_DLQ_SWEEP_MS: '500' });
  let api: ApiClient;
  let plan: Queue;

  beforeAll(async () => {
    api = await fx.startApi();
    // The real `event.upstream` planner (no catalog: a valid event would fail later, at reading it).
    await fx.startService('dist/libs/testing/src/patching-worker-main.js');
    plan = new Queue(QueueName.plan, { connection: fx.redis, prefix: fx.prefix });
  }, 120_000);
  afterAll(async () => {
    await plan.close();
    await fx.close();
  }, 60_000);

  it('answers 400 naming ref for each hostile ref, and stores and enqueues nothing', async () => {
    for (const ref of HOSTILE) {
      // The id the factory would derive for it (callers choose none: issue 14).
      const id = upstreamEventId({ kind: 'api' }, { source: 'debian', ref, version: '1.0.0' });
      const res = await api.request<{ error: { code: string; message: string } }>('POST', '/events/upstream', {
        source: 'debian',
        ref,
        version: '1.0.0',
      });
      expect({ ref, status: res.status, code: res.body.error?.code }).toEqual({
        ref,
        status: 400,
        code: 'invalid-request',
      });
      expect(res.body.error.message).toMatch(/\bref\b/);
      expect(await fx.redis.exists(`${fx.prefix}:{store}:event:${id}`)).toBe(0);
      expect(await plan.getJob(upstreamEventJobId(id))).toBeUndefined();
    }
    expect(await plan.getJobCounts('waiting', 'delayed', 'active', 'failed', 'completed')).toMatchObject({
      waiting: 0,
      delayed: 0,
      active: 0,
      failed: 0,
      completed: 0,
    });
    // A legitimate ref is still taken.
    const ok = await api.request('POST', '/events/upstream', {
      source: 'debian',
      ref: 'pkg:deb/debian/openssl',
      version: '3.0.11-1',
    });
    expect(ok.status).toBe(202);
  });

  it('fails a planning job whose stored event has a hostile ref once, terminally (attemptsMade 1), with invalid-upstream-ref', async () => {
    const eventId = 'stored-hostile-ref';
    // Past the API and the store's own check: written as raw JSON, as an old or tampered entry would be.
    await fx.redis.set(
      `${fx.prefix}:{store}:event:${eventId}`,
      JSON.stringify({
        id: eventId,
        source: 'debian',
        ref: '--upload-pack=touch /tmp/pf-pwned',
        version: '1.0.0',
        firstSeenAt: 0,
      }),
    );
    const jobId = upstreamEventJobId(eventId);
    await plan.add('event.upstream', { v: 1, eventId }, { jobId, attempts: 5, backoff: { type: 'fixed', delay: 100 } });

    const entry = await waitFor('the dead letter of the hostile-ref job', async () => {
      const res = await api.request<{ entries: Entry[] }>('GET', '/dead-letters');
      return res.body.entries.find((e) => e.jobId === jobId);
    });
    expect(entry).toMatchObject({ errorCode: 'invalid-upstream-ref', attemptsMade: 1 });
    expect(entry.failedReason).toMatch(/upstream event stored-hostile-ref: ref: expected a ref: it has whitespace/);
    // No retry is pending (5 attempts were allowed).
    expect(await plan.getJobCounts('waiting', 'delayed', 'active')).toMatchObject({
      waiting: 0,
      delayed: 0,
      active: 0,
    });
  });
});
