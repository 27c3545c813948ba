import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import {
  OsvAdvisorySchema,
  QueueName,
  upstreamEventId,
  upstreamEventJobId,
  type OsvAdvisory,
  type PipelineRun,
} from '@patch-factory/contracts';
import { AdvisoryRepository, PatchRequestRepository, ROLES } from '@patch-factory/store';
import { BackboneFixture, createCatalogOrigin, repoRoot, waitFor, type ApiClient, type CatalogOrigin } from '../src';

// Issue 14, "the factory decides what it trusts": real API and patching-worker processes on real
// Redis and a real git catalog whose php streams soak for an hour. A caller can no longer set an
// event's severity, advisory, firstSeenAt or id (the soak bypass and the auto-merge choice), nor
// squat the id of an advisory's event; the severity that reaches the PatchRequest (what review's
// auto-merge policy reads) is the stored advisory's; an API document cannot replace a feed's.

const CORPUS = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog');
const STREAM_FILES = [
  'image/php/alpine-3.23/8.3.yaml',
  'image/php/alpine-3.23/8.3-dev.yaml',
  'image/php/alpine-3.23/8.3-fpm.yaml',
];
const EVENT = { source: 'alpine', ref: 'pkg:apk/alpine/php-8.3', version: '8.3.34-r0' };
const HOUR = 3_600_000;

type ErrorReply = { error: { code: string; message: string } };
type AdvisoryAnswer = { stored: boolean; events: { eventId: string; duplicate: boolean }[] };

const advisory = (id: string, fixed: string, severity: string): OsvAdvisory =>
  OsvAdvisorySchema.parse({
    id,
    modified: '2026-11-20T00:00:00Z',
    database_specific: { severity },
    affected: [
      {
        package: { ecosystem: 'Alpine:v3.23', name: 'php-8.3' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
  });

describe('the factory decides what it trusts: severity, soak and event ids', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let origin: CatalogOrigin;
  let api: ApiClient;
  let plan: Queue;
  const requests = () => new PatchRequestRepository(fx.redis, fx.prefix);

  beforeAll(async () => {
    origin = createCatalogOrigin(
      Object.fromEntries(STREAM_FILES.map((f) => [f, readFileSync(join(CORPUS, f), 'utf8')])),
    );
    const config = join(mkdtempSync(join(tmpdir(), 'pf-trust-')), 'watch.json');
    writeFileSync(
      config,
      JSON.stringify({ targets: [], soak: [{ definitions: 'image/php/', minReleaseAgeMs: HOUR }] }),
    );
    api = await fx.startApi();
    await fx.startService('dist/libs/testing/src/patching-worker-main.js', {
      PF_CATALOG_REMOTE: origin.dir,
      PF_CATALOG_WORKDIR: join(mkdtempSync(join(tmpdir(), 'pf-e2e-ws-')), 'catalog.git'),
      PF_FORGE: 'branch',
      PF_WATCH_CONFIG: config,
    });
    plan = new Queue(QueueName.plan, { connection: fx.redis, prefix: fx.prefix });
  }, 120_000);
  afterAll(async () => {
    await plan?.close();
    await fx.close();
    origin?.cleanup();
  }, 60_000);

  const runs = async (): Promise<PipelineRun[]> =>
    (await api.request<{ runs: PipelineRun[] }>('GET', '/runs?limit=100')).body.runs;

  it('refuses a caller-set severity (critical or "none"), advisory, security mark, firstSeenAt or id with 400 naming it; a plain update soaks', async () => {
    const injections: [string, Record<string, unknown>][] = [
      ['severity', { severity: 'critical' }],
      ['severity', { severity: 'none' }],
      ['advisory', { advisory: 'CVE-2026-4242' }],
      ['security', { security: { suite: 'bookworm-security', sourcePackage: 'php8.3', sourceVersion: '8.3.34-r0' } }],
      ['firstSeenAt', { firstSeenAt: 0 }],
      ['id', { id: 'apk-php-8.3-8.3.34-r0' }],
    ];
    for (const [field, extra] of injections) {
      const res = await api.request<ErrorReply>('POST', '/events/upstream', { ...EVENT, ...extra });
      expect({ field, status: res.status, code: res.body.error?.code }).toEqual({
        field,
        status: 400,
        code: 'invalid-request',
      });
      expect(res.body.error.message).toContain(`${field}: not accepted: `);
    }
    const eventId = upstreamEventId({ kind: 'api' }, EVENT);
    expect(await requests().getEvent(eventId)).toBeUndefined();

    // The plain event is taken, and held back by the soak (a delayed re-plan an hour out), planning nothing.
    const posted = await api.request<{ eventId: string }>('POST', '/events/upstream', EVENT);
    expect(posted).toMatchObject({ status: 202, body: { eventId } });
    const soak = await waitFor(
      'the soak re-plan of the plain update',
      async () =>
        (await plan.getJobs(['delayed'])).find((j) => j.id?.startsWith(`${upstreamEventJobId(eventId)}.soak.`)),
      60_000,
      200,
    );
    expect(soak.opts.delay).toBeGreaterThan(HOUR / 2);
    expect(await plan.getJob(upstreamEventJobId(eventId)).then((j) => j?.getState())).toBe('completed');
    expect(await runs()).toEqual([]);
  }, 120_000);

  it("cannot squat an advisory's event; the advisory's fix is planned at once with the stored advisory's severity", async () => {
    const osv = advisory('CVE-2026-4243', '8.3.35-r0', 'critical');
    // The id the advisory's event had when ids were chosen by callers (advisory:package:version): refused.
    const byId = await api.request<ErrorReply>('POST', '/events/upstream', {
      id: 'CVE-2026-4243:apk.alpine.php-8.3:8.3.35-r0',
      source: 'osv',
      ref: 'pkg:apk/alpine/php-8.3',
      version: '8.3.35-r0',
    });
    expect(byId.status).toBe(400);
    // The same content as the advisory's event, without the fields the factory decides: another event (a plain, soaking one).
    const squat = await api.request<{ eventId: string }>('POST', '/events/upstream', {
      source: 'osv',
      ref: 'pkg:apk/alpine/php-8.3',
      version: '8.3.35-r0',
    });
    expect(squat.status).toBe(202);

    const answer = await api.request<AdvisoryAnswer>('POST', '/events/advisory', osv);
    expect(answer.status).toBe(202);
    expect(answer.body.events).toHaveLength(1);
    expect(answer.body.events[0]?.duplicate).toBe(false);
    expect(answer.body.events[0]?.eventId).not.toBe(squat.body.eventId);
    const planned = await waitFor(
      'three runs of the advisory fix',
      async () => {
        const upstream = (await runs()).filter((r) => r.trigger.kind === 'upstream');
        return upstream.length === 3 ? upstream : undefined;
      },
      90_000,
      200,
    );
    // What review's auto-merge policy reads: the PatchRequest's severity, the stored advisory's.
    for (const run of planned) {
      const request = await requests().get(run.trigger.ref ?? '');
      expect(request).toMatchObject({
        eventId: answer.body.events[0]?.eventId,
        severity: 'critical',
        advisory: 'CVE-2026-4243',
        version: '8.3.35-r0',
      });
    }
  }, 150_000);

  it("keeps a feed's advisory document from an API caller without the admin scope (409, nothing stored, no events)", async () => {
    const feed = 'osv:alpine-feed';
    const real = advisory('CVE-2026-4244', '8.3.36-r0', 'high');
    // Stored as the watcher stores a feed's document (its source: the feed's target key).
    expect(await new AdvisoryRepository(fx.redis, fx.prefix).saveDocument(real, { source: feed })).toBe(true);
    const forged = { ...real, modified: '2026-11-21T00:00:00Z', database_specific: { severity: 'none' } };
    const ingest = api.withToken(await fx.mintToken(ROLES.ingest, 'ingest-bot'));
    const refused = await ingest.request<ErrorReply>('POST', '/events/advisory', forged);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'advisory-owned-by-feed',
      message: expect.stringContaining(`"${feed}"`) as unknown,
    });
    expect(await new AdvisoryRepository(fx.redis, fx.prefix).document(real.id)).toEqual({ osv: real, source: feed });
    const forgedEvent = upstreamEventId(
      { kind: 'advisory', advisory: real.id, from: 'api' },
      { source: 'osv', ref: 'pkg:apk/alpine/php-8.3', version: '8.3.36-r0' },
    );
    expect(await requests().getEvent(forgedEvent)).toBeUndefined();
    // The admin (the fixture's token) may.
    const admin = await api.request<AdvisoryAnswer>('POST', '/events/advisory', {
      ...forged,
      database_specific: { severity: 'high' },
    });
    expect(admin.status).toBe(202);
    expect(admin.body.stored).toBe(true);
  }, 60_000);
});
