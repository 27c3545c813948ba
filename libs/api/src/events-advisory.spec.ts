import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Module, type INestApplication } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import Ajv from 'ajv';
import { ConfigModule, loadConfig } from '@patch-factory/config';
import {
  JOB_NAMES,
  QueueName,
  upstreamEventId,
  upstreamEventJobId,
  type OsvAdvisory,
  type UpstreamEvent,
} from '@patch-factory/contracts';
import { setPrincipal, type Scope } from '@patch-factory/pipeline';
import { QueueModule, type JobOptionsTable, type JobPolicy } from '@patch-factory/queue';
import { AdvisoryRepository, PatchRequestRepository, StoreModule } from '@patch-factory/store';
import { TelemetryModule } from '@patch-factory/telemetry';
import { ApiClient, dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { Redis } from 'ioredis';
import { ApiErrorFilter } from './api-error.filter';
import { EventsController } from './events.controller';
import { openApiDocument } from './openapi.document';

// POST /events/advisory and /events/upstream in process (the events controller on the real
// store and queues of a test prefix): the OSV document is stored for the scan stage, newest
// `modified` wins per source, a feed's document is replaced only by an admin, and a malformed body
// stores nothing; an upstream event takes nothing the factory decides (id, severity, advisory,
// security, firstSeenAt). Each answer is checked against the OpenAPI document. A test middleware
// stands for the access guard: a bearer token `scopes:<a,b>` sets a principal with those scopes.

const policy: JobPolicy = {
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 100 },
  keepCompleted: { ageSeconds: 60, count: 10 },
  keepFailed: { ageSeconds: 60, count: 10 },
  lockDurationMs: 30_000,
  maxStalledCount: 1,
};
const JOB_OPTIONS = Object.fromEntries(JOB_NAMES.map((n) => [n, policy])) as JobOptionsTable;

const prefix = testPrefix();
let app: INestApplication;
let api: ApiClient;
let redis: Redis;
let advisories: AdvisoryRepository;
let requests: PatchRequestRepository;
let planQueue: Queue;

beforeAll(async () => {
  @Module({
    imports: [
      ConfigModule.forRoot(loadConfig({ PF_PREFIX: prefix, PF_REDIS_URL: sharedRedisUrl() })),
      TelemetryModule.forRoot({ service: 'api-test', logLevel: 'silent' }),
      StoreModule.forRoot(),
      QueueModule.forRoot({ service: 'api-test', owns: [], jobOptions: JOB_OPTIONS, profile: 'producer' }),
    ],
    controllers: [EventsController],
    providers: [{ provide: APP_FILTER, useClass: ApiErrorFilter }],
  })
  class EventsTestModule {}
  app = await NestFactory.create(EventsTestModule, { logger: false, abortOnError: false });
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const scopes = /^Bearer scopes:(.*)$/.exec(req.header('authorization') ?? '')?.[1];
    if (scopes !== undefined)
      setPrincipal(req, { tokenId: 'tok_test', name: 'test', scopes: scopes.split(',').filter(Boolean) as Scope[] });
    next();
  });
  await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  api = ApiClient.onPort(address.port);
  redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: 1 });
  advisories = new AdvisoryRepository(redis, prefix);
  requests = new PatchRequestRepository(redis, prefix);
  planQueue = new Queue(QueueName.plan, { connection: redis, prefix });
});

afterAll(async () => {
  await planQueue?.close();
  await app?.close();
  redis?.disconnect();
  await dropPrefix(sharedRedisUrl(), prefix);
});

/** The 202 and 400 answers of postAdvisory in the OpenAPI document, as validators. */
const doc = openApiDocument('test') as {
  paths: Record<
    string,
    { post: { responses: Record<string, { content: { 'application/json': { schema: object } } }> } }
  >;
  components: { schemas: Record<string, object> };
};
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'doc', components: doc.components });
const responses = doc.paths['/events/advisory']?.post.responses ?? {};
const validatorOf = (status: string) => {
  const schema = JSON.parse(
    JSON.stringify(responses[status]?.content['application/json'].schema).replaceAll(
      '"#/components',
      '"doc#/components',
    ),
  ) as object;
  return ajv.compile(schema);
};
const answers = { '202': validatorOf('202'), '400': validatorOf('400'), '409': validatorOf('409') };
function documented(status: number, body: unknown): void {
  const validate = answers[String(status) as keyof typeof answers];
  expect(validate).toBeDefined();
  if (!validate(body))
    throw new Error(`answer ${status} does not match the OpenAPI document: ${JSON.stringify(validate.errors)}`);
}

const osv = (modified: string, fixed = '3.3.2-r0'): OsvAdvisory => ({
  id: `ALPINE-CVE-2099-${Math.floor(Math.random() * 1e6)}`,
  aliases: ['CVE-2099-0001'],
  modified,
  published: '2026-01-01T00:00:00Z',
  affected: [
    {
      package: { ecosystem: 'Alpine:v3.20', name: 'openssl' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
    },
  ],
});

async function storedDocuments(): Promise<OsvAdvisory[]> {
  const out: OsvAdvisory[] = [];
  for await (const d of advisories.documents()) out.push(d);
  return out;
}

type Answer = { advisory: string; stored: boolean; events: { eventId: string; duplicate: boolean }[] };

describe('POST /events/advisory', () => {
  it('stores the OSV document for the scan stage, before planning its events', async () => {
    const advisory = osv('2026-02-01T00:00:00Z');
    const res = await api.request<Answer>('POST', '/events/advisory', advisory);
    expect(res.status).toBe(202);
    documented(res.status, res.body);
    expect(res.body).toMatchObject({ advisory: advisory.id, stored: true });
    expect(res.body.events).toHaveLength(1);
    const stored = (await storedDocuments()).find((d) => d.id === advisory.id);
    expect(stored).toMatchObject({ id: advisory.id, modified: advisory.modified, affected: advisory.affected });
  });

  it('keeps the newest document: an older (or equal) modified is not stored, a newer one replaces it', async () => {
    const newer = osv('2026-03-01T00:00:00Z', '3.3.2-r1');
    expect((await api.request<Answer>('POST', '/events/advisory', newer)).body.stored).toBe(true);

    const older = { ...newer, modified: '2026-02-01T00:00:00Z', affected: osv('x', '3.3.2-r0').affected };
    const res = await api.request<Answer>('POST', '/events/advisory', older);
    expect(res.status).toBe(202);
    documented(res.status, res.body);
    expect(res.body.stored).toBe(false);
    expect((await api.request<Answer>('POST', '/events/advisory', newer)).body.stored).toBe(false);
    const kept = (await storedDocuments()).filter((d) => d.id === newer.id);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ modified: newer.modified, affected: newer.affected });

    const newest = { ...newer, modified: '2026-04-01T00:00:00Z', affected: osv('x', '3.3.2-r2').affected };
    expect((await api.request<Answer>('POST', '/events/advisory', newest)).body.stored).toBe(true);
    expect((await storedDocuments()).find((d) => d.id === newer.id)).toMatchObject({ modified: newest.modified });
  });

  it('refuses a document modified in the future (it would win over every real update); the real one is stored after it', async () => {
    const real = osv(new Date(Date.now() - 60_000).toISOString(), '3.3.2-r1');
    const poisoned = {
      ...real,
      modified: '9999-12-31T23:59:59Z',
      withdrawn: '9999-12-31T23:59:59Z',
      affected: osv('x', '0.0.1-r0').affected,
    };
    const before = (await storedDocuments()).length;
    const res = await api.request<{ error: { code: string; message: string } }>('POST', '/events/advisory', poisoned);
    expect(res.status).toBe(400);
    documented(res.status, res.body);
    expect(res.body.error.code).toBe('invalid-request');
    expect(res.body.error.message).toMatch(
      /^body: modified: advisory .* modified "9999-12-31T23:59:59Z" is in the future/,
    );
    expect((await storedDocuments()).length).toBe(before);
    // A few seconds ahead (clocks differ) is accepted; the real document is stored and planned.
    const ok = await api.request<Answer>('POST', '/events/advisory', real);
    expect(ok.status).toBe(202);
    expect(ok.body.stored).toBe(true);
    expect(ok.body.events).toHaveLength(1);
    const skewed = { ...real, modified: new Date(Date.now() + 60_000).toISOString() };
    expect((await api.request<Answer>('POST', '/events/advisory', skewed)).body.stored).toBe(true);
  });

  it.each([
    ['no id', (a: OsvAdvisory) => ({ ...a, id: undefined }), /^body: id: /],
    [
      'a bad fixed version type',
      (a: OsvAdvisory) => ({
        ...a,
        affected: [{ ...a.affected[0], ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: 7 }] }] }],
      }),
      /^body: affected\.0\.ranges\.0\.events\.0\.fixed: /,
    ],
    [
      'a modified that is no date',
      (a: OsvAdvisory) => ({ ...a, modified: 'yesterday' }),
      /^body: modified: "yesterday" is not an RFC 3339 date/,
    ],
  ])('refuses an advisory with %s with a located 400 and stores nothing', async (_what, spoil, message) => {
    const before = (await storedDocuments()).length;
    const res = await api.request<{ error: { code: string; message: string } }>(
      'POST',
      '/events/advisory',
      spoil(osv('2026-05-01T00:00:00Z')),
    );
    expect(res.status).toBe(400);
    documented(res.status, res.body);
    expect(res.body.error.code).toBe('invalid-request');
    expect(res.body.error.message).toMatch(message);
    expect(await storedDocuments()).toHaveLength(before);
  });

  it('refuses a body that is not JSON with 400 and stores nothing', async () => {
    const before = (await storedDocuments()).length;
    const res = await api.request<{ error: { code: string } }>(
      'POST',
      '/events/advisory',
      undefined,
      '{"id": "X-1", "modified": ',
    );
    expect(res.status).toBe(400);
    documented(res.status, res.body);
    expect(await storedDocuments()).toHaveLength(before);
  });
});

describe('POST /events/advisory keeps documents per source', () => {
  const FEED = 'osv:debian-feed';
  const feedDocument = async (): Promise<OsvAdvisory> => {
    const doc = osv('2026-01-01T00:00:00Z', '3.3.2-r5');
    expect(await advisories.saveDocument(doc, { source: FEED })).toBe(true);
    return doc;
  };

  it("refuses (409 advisory-owned-by-feed, naming the feed) an API document that would replace a feed's: nothing stored, no events", async () => {
    const doc = await feedDocument();
    const forged = {
      ...doc,
      modified: '2026-06-01T00:00:00Z',
      database_specific: { severity: 'none' },
      affected: osv('x', '3.3.2-r6').affected,
    };
    for (const client of [api, api.withToken('scopes:events')]) {
      const res = await client.request<{ error: { code: string; message: string } }>(
        'POST',
        '/events/advisory',
        forged,
      );
      expect(res.status).toBe(409);
      documented(res.status, res.body);
      expect(res.body.error.code).toBe('advisory-owned-by-feed');
      expect(res.body.error.message).toContain(`"${FEED}"`);
    }
    expect(await advisories.document(doc.id)).toEqual({ osv: doc, source: FEED });
    const forgedEvent = upstreamEventIdOf(forged.id, 'pkg:apk/alpine/openssl', '3.3.2-r6');
    expect(await requests.getEvent(forgedEvent)).toBeUndefined();
    expect(await planQueue.getJob(upstreamEventJobId(forgedEvent))).toBeUndefined();
  });

  it("lets a caller with the admin scope replace a feed's document (newest still wins), stored as the API's", async () => {
    const doc = await feedDocument();
    const admin = api.withToken('scopes:admin');
    const correction = { ...doc, modified: '2026-06-01T00:00:00Z', summary: 'corrected by an operator' };
    const res = await admin.request<Answer>('POST', '/events/advisory', correction);
    expect(res.status).toBe(202);
    documented(res.status, res.body);
    expect(res.body.stored).toBe(true);
    expect(await advisories.document(doc.id)).toMatchObject({
      osv: { summary: 'corrected by an operator' },
      source: 'api',
    });
  });
});

/** The id POST /events/advisory gives the event of an advisory's fixed package version. */
function upstreamEventIdOf(advisory: string, ref: string, version: string): string {
  return upstreamEventId({ kind: 'advisory', advisory, from: 'api' }, { source: 'osv', ref, version });
}

describe('POST /events/upstream takes nothing the factory decides', () => {
  const plain = { source: 'alpine', ref: 'pkg:apk/alpine/openssl', version: '3.3.2-r0' };

  it.each([
    [
      'severity',
      { severity: 'critical' },
      /severity: not accepted: an event has a severity only from a stored advisory/,
    ],
    ['severity none', { severity: 'none' }, /severity: not accepted/],
    ['advisory', { advisory: 'CVE-2099-0001' }, /advisory: not accepted: .*POST \/events\/advisory/],
    ['firstSeenAt', { firstSeenAt: 0 }, /firstSeenAt: not accepted: the factory's own clock/],
    [
      'security',
      { security: { suite: 'bookworm-security', sourcePackage: 'openssl', sourceVersion: '3.3.2-r0' } },
      /security: not accepted: only a watcher of a security suite/,
    ],
    ['id', { id: 'my-own-id' }, /id: not accepted: event ids are derived by the factory/],
  ])(
    'refuses a caller-set %s with 400 naming the field and why; nothing stored or planned',
    async (_what, extra, why) => {
      const res = await api.request<{ error: { code: string; message: string } }>('POST', '/events/upstream', {
        ...plain,
        version: '3.3.2-r99',
        ...extra,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid-request');
      expect(res.body.error.message).toMatch(/^body: /);
      expect(res.body.error.message).toMatch(why);
      const id = upstreamEventId({ kind: 'api' }, { ...plain, version: '3.3.2-r99' });
      expect(await requests.getEvent(id)).toBeUndefined();
      expect(await requests.getEvent('my-own-id')).toBeUndefined();
    },
  );

  it('names every such field at once', async () => {
    const res = await api.request<{ error: { message: string } }>('POST', '/events/upstream', {
      ...plain,
      id: 'x',
      severity: 'critical',
      advisory: 'CVE-1',
      firstSeenAt: 1,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /id: not accepted.*severity: not accepted.*advisory: not accepted.*firstSeenAt: not accepted/,
    );
  });

  it('derives the event id on the server (the same event again is a duplicate) and stamps firstSeenAt with its own clock', async () => {
    const before = Date.now();
    const first = await api.request<{ eventId: string; duplicate: boolean }>('POST', '/events/upstream', plain);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ eventId: upstreamEventId({ kind: 'api' }, plain), duplicate: false });
    const stored = (await requests.getEvent(first.body.eventId)) as UpstreamEvent;
    expect(stored.firstSeenAt).toBeGreaterThanOrEqual(before);
    expect(stored.firstSeenAt).toBeLessThanOrEqual(Date.now());
    expect(stored).not.toHaveProperty('severity');
    expect(stored).not.toHaveProperty('advisory');
    expect((await api.request<{ duplicate: boolean }>('POST', '/events/upstream', plain)).body.duplicate).toBe(true);
    // Another digest or source is another event.
    expect(
      (await api.request<{ eventId: string }>('POST', '/events/upstream', { ...plain, source: 'mirror' })).body.eventId,
    ).not.toBe(first.body.eventId);
  });

  it("cannot squat an advisory's event: an event with the same content, posted first, leaves the advisory's event fresh and planned", async () => {
    const advisory = osv('2026-02-01T00:00:00Z', '3.4.0-r1');
    // What the advisory's event will be (source osv, the package, the fixed version), without the fields the factory decides.
    const squat = await api.request<{ eventId: string }>('POST', '/events/upstream', {
      source: 'osv',
      ref: 'pkg:apk/alpine/openssl',
      version: '3.4.0-r1',
    });
    expect(squat.status).toBe(202);
    // The id the advisory's event had before ids were derived (advisory:package:version) is refused too.
    const byId = await api.request('POST', '/events/upstream', {
      id: `${advisory.id}:apk.alpine.openssl:3.4.0-r1`,
      source: 'osv',
      ref: 'pkg:apk/alpine/openssl',
      version: '3.4.0-r1',
    });
    expect(byId.status).toBe(400);
    const res = await api.request<Answer>('POST', '/events/advisory', advisory);
    expect(res.status).toBe(202);
    expect(res.body.events).toEqual([
      { eventId: upstreamEventIdOf(advisory.id, 'pkg:apk/alpine/openssl', '3.4.0-r1'), duplicate: false },
    ]);
    expect(res.body.events[0]?.eventId).not.toBe(squat.body.eventId);
    expect(await requests.getEvent(res.body.events[0]?.eventId ?? '')).toMatchObject({
      advisory: advisory.id,
      ref: 'pkg:apk/alpine/openssl',
      version: '3.4.0-r1',
    });
    expect(await planQueue.getJob(upstreamEventJobId(res.body.events[0]?.eventId ?? ''))).toBeDefined();
  });
});
