import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { QueueName, upstreamEventJobId } from '@patch-factory/contracts';
import { BackboneFixture, createCatalogOrigin, repoRoot, waitFor, type ApiClient, type CatalogOrigin } from '../src';

// Issue 14, bounded work: one advisory with 1,500 fixed versions used to put 1,500 planning jobs
// ahead of a critical event posted after it (and a plain-update backlog ahead of everything).
// Real API and patching-worker processes on real Redis; the order is read from BullMQ's own job
// records (processedOn/finishedOn), never from wall-clock delays. That the continuation then
// plans every event once is shown on a real worker by libs/queue/src/event-planning-queue.spec.ts.

const CORPUS = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog');
const DEFINITION = 'image/php/alpine-3.23/8.3.yaml';
const ADVISORY_EVENTS = 1_500;
const PLAIN_UPDATES = 40;
const BATCH = 100; // PF_ADVISORY_EVENT_BATCH's default
const CONCURRENCY = 2;

/** An Alpine advisory whose one package has `fixes` fixed versions (one planning event each), 250 to a range (OSV schema cap 256): about 28 KB of JSON. */
function bigAdvisory(id: string, fixes: number): unknown {
  const ranges: { type: string; events: Record<string, string>[] }[] = [];
  for (let i = 0; i < fixes; i++) {
    if (i % 250 === 0) ranges.push({ type: 'ECOSYSTEM', events: [{ introduced: '0' }] });
    ranges[ranges.length - 1]?.events.push({ fixed: `1.${i}` });
  }
  return {
    id,
    modified: '2026-01-02T00:00:00Z',
    database_specific: { severity: 'CRITICAL' },
    affected: [{ package: { ecosystem: 'Alpine:v3.23', name: 'pf-lane-test' }, ranges }],
  };
}

type AdvisoryAnswer = { events: { eventId: string }[] };

/** The planning batch lists under the fixture's prefix (SCAN: the test user may not run KEYS). */
async function batchKeys(fx: BackboneFixture): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  for (let i = 0; i < 10_000; i++) {
    const [next, found] = await fx.redis.scan(cursor, 'MATCH', `${fx.prefix}:planning-batch:*`, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
    if (cursor === '0') break;
  }
  return keys;
}

describe('the planning lane: a critical event is not held up by a big advisory or a plain-update backlog', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let origin: CatalogOrigin;
  let api: ApiClient;
  let plan: Queue;

  beforeAll(async () => {
    origin = createCatalogOrigin({ [DEFINITION]: readFileSync(join(CORPUS, DEFINITION), 'utf8') });
    api = await fx.startApi();
    plan = new Queue(QueueName.plan, { connection: fx.redis, prefix: fx.prefix });
  }, 60_000);
  afterAll(async () => {
    await plan?.close();
    await fx.close();
    origin?.cleanup();
  }, 60_000);

  it('plans the critical event after one batch of the advisory at most and before every plain update, and loses no event of the advisory', async () => {
    // The backlog, with no planner running yet: plain updates, then a 1,500-event critical advisory.
    const plain: string[] = [];
    for (let i = 0; i < PLAIN_UPDATES; i++) {
      const res = await api.request<{ eventId: string }>('POST', '/events/upstream', {
        source: 'alpine',
        ref: `pkg:apk/alpine/pf-lane-plain-${i}`,
        version: '1.0-r0',
      });
      expect(res.status).toBe(202);
      plain.push(res.body.eventId);
    }
    const big = await api.request<AdvisoryAnswer>(
      'POST',
      '/events/advisory',
      bigAdvisory('ALPINE-CVE-2026-9001', ADVISORY_EVENTS),
    );
    expect({ status: big.status, error: big.status === 202 ? undefined : big.body }).toEqual({
      status: 202,
      error: undefined,
    });
    // The answer still lists every event of the advisory.
    expect(big.body.events).toHaveLength(ADVISORY_EVENTS);
    const critical = await api.request<AdvisoryAnswer>(
      'POST',
      '/events/advisory',
      bigAdvisory('ALPINE-CVE-2026-9002', 1),
    );
    expect(critical.status).toBe(202);
    const criticalEvent = critical.body.events[0]?.eventId ?? '';

    // Only one batch of the advisory is on the lane now; the rest waits for its continuation.
    const onLane = await plan.getJobCountByTypes('waiting', 'prioritized');
    expect(onLane).toBeLessThanOrEqual(PLAIN_UPDATES + BATCH + 1 + 1);

    await fx.startService('dist/libs/testing/src/patching-worker-main.js', {
      PF_CATALOG_REMOTE: origin.dir,
      PF_CATALOG_WORKDIR: join(mkdtempSync(join(tmpdir(), 'pf-lane-ws-')), 'catalog.git'),
      PF_WORKER_CONCURRENCY: String(CONCURRENCY),
    });

    // Until the critical event is planned, or clearly more than a batch of the advisory was planned first.
    const criticalJob = await waitFor(
      'the critical event planned (or the advisory planned ahead of it)',
      async () => {
        const job = await plan.getJob(upstreamEventJobId(criticalEvent));
        if (job?.finishedOn) return job;
        return (await plan.getCompletedCount()) > BATCH * 2 ? job : undefined;
      },
      180_000,
      250,
    );
    const started = async (eventId: string): Promise<number> =>
      (await plan.getJob(upstreamEventJobId(eventId)))?.processedOn ?? Infinity;
    const criticalStart = criticalJob?.processedOn ?? Infinity;
    expect(criticalJob?.finishedOn).toBeDefined();
    expect(criticalJob?.failedReason).toBeUndefined();
    // Advisory events that started before the critical one: one batch, plus what the other worker slot held.
    const advisoryStarts = await Promise.all(big.body.events.map((e) => started(e.eventId)));
    expect(advisoryStarts.filter((t) => t < criticalStart).length).toBeLessThanOrEqual(BATCH + CONCURRENCY);
    // No plain update started before it.
    for (const id of plain) expect(await started(id)).toBeGreaterThan(criticalStart);

    // Nothing is lost: every event of the advisory is stored, and is on the lane or held in its batch for the continuation.
    const held = new Set<string>();
    for (const key of await batchKeys(fx))
      for (const entry of await fx.redis.lrange(key, 0, -1)) held.add(entry.slice(entry.indexOf('|') + 1));
    const missing: string[] = [];
    for (const { eventId } of big.body.events) {
      if (held.has(eventId)) continue;
      if (!(await plan.getJob(upstreamEventJobId(eventId)))) missing.push(eventId);
    }
    expect(missing).toEqual([]);
    expect(held.size).toBeGreaterThan(0);
  }, 300_000);
});
