import 'reflect-metadata';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { deliveryIdOf, DeliveryRepository, EventStore } from '@patch-factory/notifying';
import { auditMiddleware, isRawBodyRoute, serviceModule } from '@patch-factory/pipeline';
import { ApiTokenRepository, AuditLog, RunRepository } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { ApiModule } from './api.module';
import { openApiDocument } from './openapi.document';
import { imageEvents } from './webhooks/webhook-events.fixture';

// The operator API as the api service runs it (serviceModule + ApiModule, its body parsers and
// audit middleware), on the real store and queues of a test prefix: the routes its router
// registers are exactly the document's operations, and real answers of its routes validate
// against the schemas the document gives them (a schema or handler that drifts fails here).

type Operation = {
  operationId: string;
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
};
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };

const SECRET = 'openapi-served-webhook-secret-0123';
const prefix = testPrefix();
const dir = mkdtempSync(join(tmpdir(), 'pf-openapi-'));
let app: NestExpressApplication;
let base: string;
let redis: Redis;
let admin: string;
const doc = openApiDocument('test') as unknown as Doc;

beforeAll(async () => {
  const watch = join(dir, 'watch.json');
  writeFileSync(
    watch,
    JSON.stringify({
      targets: [
        {
          key: 'github_release:octo/tool',
          kind: 'github_release',
          ref: 'octo/tool',
          config: { type: 'github_release', owner: 'Octo', repo: 'Tool', set: 'V' },
        },
      ],
    }),
  );
  redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: 1 });
  // A token exists before the start, so the app makes no bootstrap admin token (nor prints one).
  admin = (await new ApiTokenRepository(redis, prefix).create('openapi-test', ['admin'], 'test')).token;
  const config = loadConfig({
    PF_PREFIX: prefix,
    PF_REDIS_URL: sharedRedisUrl(),
    PF_LOG_LEVEL: 'silent',
    PF_GITHUB_WEBHOOK_SECRET: SECRET,
    PF_WATCH_CONFIG: watch,
    PF_WEBHOOK_SECRET_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  });
  const spec = {
    service: 'api-openapi-test',
    defaultPort: 0,
    pipeline: { stages: [], profile: 'producer' as const },
    imports: [ApiModule],
  };
  app = await NestFactory.create<NestExpressApplication>(serviceModule(spec, config), {
    logger: false,
    bodyParser: false,
    abortOnError: false,
  });
  // As bootstrapService: the audit log, raw bodies of the GitHub webhook (signed bytes), JSON elsewhere.
  app.use(auditMiddleware(app.get(AuditLog), app.get<Logger>(LOGGER)));
  app.useBodyParser('raw', {
    type: (req: { url?: string }) => isRawBodyRoute(req.url),
    limit: '1mb',
  });
  app.useBodyParser('json', { limit: '32kb' });
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  rmSync(dir, { recursive: true, force: true });
  await dropPrefix(sharedRedisUrl(), prefix);
});

/** `METHOD /path` of every route the app's router serves (Express 5: `router.stack`), in OpenAPI's path form. */
function servedRoutes(): string[] {
  const router = (
    app.getHttpAdapter().getInstance() as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    }
  ).router;
  return router.stack
    .flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map(
            (m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:([A-Za-z]+)/g, '{$1}')}`,
          )
        : [],
    )
    .sort();
}

const documentedRoutes = (d: Doc) =>
  Object.entries(d.paths)
    .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();

describe('the routes the API serves are the operations of its OpenAPI document', () => {
  it('has one documented operation for every route the running app registers, and no other', () => {
    const served = servedRoutes();
    expect(served.length).toBeGreaterThanOrEqual(16);
    expect(served).toEqual(documentedRoutes(doc));
  });

  it('serves the generated document itself at GET /openapi.json', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(openApiDocument('0.1.0'))));
  });
});

// Each answer's schema from the document, compiled (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
// RFC 3339 times (format date-time) are checked too.
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
ajv.addSchema({ $id: 'doc', components: doc.components });
const compiled = new Map<string, ValidateFunction>();
function validatorOf(key: string, schema: object): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"doc#/components')) as object,
    );
    compiled.set(key, validate);
  }
  return validate;
}

/** Fails unless the document declares this status for the operation and the body matches its schema. */
function expectDocumented(method: string, path: string, status: number, body: unknown): void {
  const op = doc.paths[path]?.[method.toLowerCase()];
  expect({ operation: `${method} ${path}`, documented: !!op }).toEqual({
    operation: `${method} ${path}`,
    documented: true,
  });
  const answer = op!.responses[String(status)];
  expect({ operation: op!.operationId, status, declared: !!answer }).toEqual({
    operation: op!.operationId,
    status,
    declared: true,
  });
  const content = answer!.content ?? {};
  if (typeof body === 'string' && !('application/json' in content)) {
    // A documented non-JSON answer (the Atom feed): it is text of a declared media type.
    expect({ operation: op!.operationId, status, mediaTypes: Object.keys(content).length }).toEqual({
      operation: op!.operationId,
      status,
      mediaTypes: 1,
    });
    return;
  }
  const schema = content['application/json']?.schema;
  if (!schema) {
    expect({ operation: op!.operationId, status, body }).toEqual({
      operation: op!.operationId,
      status,
      body: undefined,
    });
    return;
  }
  const key = `${op!.operationId} ${status}`;
  const validate = validatorOf(key, schema);
  if (!validate(body))
    throw new Error(
      `${key}: the answer does not match the OpenAPI document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`,
    );
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${admin}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: res.status, body: text ? (json ? (JSON.parse(text) as unknown) : text) : undefined };
}

/** Calls a route and checks its answer against the document; `template` is the documented path. */
async function documentedCall(
  method: string,
  template: string,
  path = template,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const res = await call(method, path, body, headers);
  expectDocumented(method, template, res.status, res.body);
  // A request the API accepted is one its documented request body allows.
  const requestSchema = doc.paths[template]?.[method.toLowerCase()]?.requestBody?.content['application/json']?.schema;
  if (res.status < 300 && requestSchema) {
    const validate = validatorOf(`${template} ${method} request`, requestSchema);
    const sent: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    if (!validate(sent))
      throw new Error(
        `${method} ${template}: an accepted request does not match the documented request body: ${ajv.errorsText(validate.errors)}`,
      );
  }
  return res;
}

describe('real answers match the schemas of the OpenAPI document', () => {
  it('runs: trigger, get, list; an unknown run and a bad query answer the documented error', async () => {
    const definition = `image/openapi-${Math.random().toString(36).slice(2, 8)}/debian-12/1.yaml`;
    const started = await documentedCall('POST', '/runs', '/runs', { definition }, { 'idempotency-key': randomUUID() });
    expect(started.status).toBe(202);
    const { runId } = started.body as { runId: string };
    // Its first stage started, as a worker would: the store now holds the execution's fencing token.
    const runs = new RunRepository(redis, prefix);
    const first = (await runs.get(runId))!.stages[0]!.stage;
    expect(await runs.startStage(runId, first)).toMatchObject({ kind: 'started' });
    expect((await runs.get(runId))!.stages[0]!.token).toBeDefined();
    // The answer (strict StageRecord) has no token: a run answer that leaked it would fail here.
    const run = await documentedCall('GET', '/runs/{id}', `/runs/${runId}`);
    expect(run.status).toBe(200);
    expect((run.body as { stages: { status: string }[] }).stages[0]?.status).toBe('running');
    const list = await documentedCall('GET', '/runs', `/runs?definition=${encodeURIComponent(definition)}`);
    expect((list.body as { runs: { id: string }[] }).runs.map((r) => r.id)).toEqual([runId]);
    expect((await documentedCall('GET', '/runs/{id}', '/runs/no-such-run')).status).toBe(404);
    expect((await documentedCall('GET', '/runs', '/runs?limit=0')).status).toBe(400);
    expect((await documentedCall('POST', '/runs', '/runs', { definition, trigger: { kind: 'upstream' } })).status).toBe(
      400,
    );
  });

  it('events: an upstream event, an advisory, and a body setting what the factory decides', async () => {
    const version = `3.3.${Math.floor(Math.random() * 1e6)}-r0`;
    expect(
      (
        await documentedCall('POST', '/events/upstream', '/events/upstream', {
          source: 'alpine',
          ref: 'pkg:apk/alpine/openssl',
          version,
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await documentedCall('POST', '/events/upstream', '/events/upstream', {
          source: 'alpine',
          ref: 'pkg:apk/alpine/openssl',
          version,
          severity: 'critical',
        })
      ).status,
    ).toBe(400);
    const advisory = {
      id: `ALPINE-CVE-2099-${Math.floor(Math.random() * 1e6)}`,
      modified: '2026-02-01T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'Alpine:v3.20', name: 'openssl' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.3.2-r0' }] }],
        },
        {
          package: { ecosystem: 'npm', name: 'left-pad' },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3.0' }] }],
        },
      ],
    };
    const res = await documentedCall('POST', '/events/advisory', '/events/advisory', advisory);
    expect(res.status).toBe(202);
    expect((res.body as { unpatchable: unknown[] }).unpatchable).toHaveLength(1);
  });

  it('tokens and the audit log: make, list, revoke; the writes are audited', async () => {
    const made = await documentedCall('POST', '/tokens', '/tokens', { name: 'openapi-reader', role: 'reader' });
    expect(made.status).toBe(201);
    const { id } = made.body as { id: string };
    expect((await documentedCall('GET', '/tokens')).status).toBe(200);
    expect((await documentedCall('DELETE', '/tokens/{id}', `/tokens/${id}`)).status).toBe(204);
    expect((await documentedCall('DELETE', '/tokens/{id}', `/tokens/${id}`)).status).toBe(404);
    expect(
      (await documentedCall('POST', '/tokens', '/tokens', { name: 'both', role: 'reader', scopes: ['read'] })).status,
    ).toBe(400);
    const audit = await documentedCall('GET', '/audit', '/audit?limit=20');
    expect((audit.body as { entries: { path: string }[] }).entries.map((e) => e.path)).toContain(`/tokens/${id}`);
  });

  it('dead letters: the list, and replaying an entry that does not exist', async () => {
    expect((await documentedCall('GET', '/dead-letters')).status).toBe(200);
    expect(
      (await documentedCall('POST', '/dead-letters/{id}/replay', '/dead-letters/no-such-entry/replay')).status,
    ).toBe(404);
  });

  it('the GitHub webhook: a published release polls its watch target (poll-enqueued); a forged one is refused', async () => {
    const body = JSON.stringify({
      action: 'published',
      release: { tag_name: 'v1.2.3' },
      repository: { full_name: 'octo/tool' },
    });
    const signed = (b: string) => `sha256=${createHmac('sha256', SECRET).update(b).digest('hex')}`;
    const headers = (signature: string) => ({
      'x-github-event': 'release',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signature,
    });
    const hit = await documentedCall('POST', '/webhooks/github', '/webhooks/github', body, headers(signed(body)));
    expect(hit.body).toMatchObject({
      outcome: 'poll-enqueued',
      runs: [{ runId: 'github_release:octo/tool', result: 'poll-enqueued' }],
    });
    const other = JSON.stringify({
      action: 'published',
      release: { tag_name: 'v1' },
      repository: { full_name: 'someone/else' },
    });
    expect(
      await documentedCall('POST', '/webhooks/github', '/webhooks/github', other, headers(signed(other))),
    ).toMatchObject({ status: 202, body: { outcome: 'ignored' } });
    expect(
      (await documentedCall('POST', '/webhooks/github', '/webhooks/github', body, headers(signed('forged')))).status,
    ).toBe(401);
  });

  it('webhooks: subscriptions, the delivery log, replays and the feed answer as documented', async () => {
    const created = await documentedCall('POST', '/webhooks/subscriptions', '/webhooks/subscriptions', {
      url: 'https://hooks.example.org/in',
      images: ['examples/**'],
      minSeverity: 'high',
    });
    expect(created.status).toBe(201);
    const { id } = (created.body as { subscription: { id: string } }).subscription;
    const one = `/webhooks/subscriptions/${id}`;
    expect((await documentedCall('GET', '/webhooks/subscriptions')).status).toBe(200);
    expect((await documentedCall('GET', '/webhooks/subscriptions/{id}', one)).status).toBe(200);
    expect(
      (await documentedCall('PATCH', '/webhooks/subscriptions/{id}', one, { tags: ['8.*'], enabled: false })).status,
    ).toBe(200);
    expect((await documentedCall('PATCH', '/webhooks/subscriptions/{id}', one, { enabled: true })).status).toBe(200);
    expect((await documentedCall('PATCH', '/webhooks/subscriptions/{id}', one, { images: ['a**'] })).status).toBe(400);
    const rotated = await documentedCall('POST', '/webhooks/subscriptions/{id}/rotate', `${one}/rotate`, {
      overlapSeconds: 60,
    });
    expect((rotated.body as { subscription: { rotation?: unknown } }).subscription.rotation).toBeDefined();
    expect(
      (await documentedCall('POST', '/webhooks/subscriptions', '/webhooks/subscriptions', { url: 'ftp://x' })).status,
    ).toBe(400);

    // A delivery of a stored image event, as the fan-out makes one.
    const [event] = imageEvents('examples/redis', Date.now() - 60_000);
    await new EventStore(redis, prefix).store(event!, Date.now() - 60_000);
    const deliveryId = deliveryIdOf(event!.id, id);
    await new DeliveryRepository(redis, prefix).create(
      {
        id: deliveryId,
        subscriptionId: id,
        eventId: event!.id,
        eventType: event!.type,
        subject: event!.subject,
        messageId: event!.id,
      },
      Date.now() - 60_000,
    );
    expect(
      (await documentedCall('GET', '/webhooks/deliveries', `/webhooks/deliveries?subscription=${id}`)).status,
    ).toBe(200);
    expect((await documentedCall('GET', '/webhooks/deliveries', '/webhooks/deliveries?state=lost')).status).toBe(400);
    expect(
      (await documentedCall('GET', '/webhooks/deliveries/{id}', `/webhooks/deliveries/${deliveryId}`)).status,
    ).toBe(200);
    expect(
      (await documentedCall('GET', '/webhooks/deliveries/{id}', `/webhooks/deliveries/dlv_${'0'.repeat(26)}`)).status,
    ).toBe(404);
    expect(
      (await documentedCall('POST', '/webhooks/deliveries/{id}/replay', `/webhooks/deliveries/${deliveryId}/replay`))
        .status,
    ).toBe(202);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    expect(
      (await documentedCall('POST', '/webhooks/subscriptions/{id}/replay', `${one}/replay`, { since })).status,
    ).toBe(202);
    expect((await documentedCall('GET', '/feeds/images.atom', '/feeds/images.atom?image=examples/redis')).status).toBe(
      200,
    );
    expect((await documentedCall('GET', '/feeds/images.atom', '/feeds/images.atom?image=..')).status).toBe(400);
    expect((await documentedCall('DELETE', '/webhooks/subscriptions/{id}', one)).status).toBe(204);
    expect((await documentedCall('GET', '/webhooks/subscriptions/{id}', one)).status).toBe(404);
    expect(
      (await documentedCall('POST', '/webhooks/deliveries/{id}/replay', `/webhooks/deliveries/${deliveryId}/replay`))
        .status,
    ).toBe(404);
  });

  it('an answer that drifts from its schema fails the check', () => {
    expect(() =>
      expectDocumented('GET', '/webhooks/subscriptions/{id}', 200, {
        subscription: {
          id: 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9',
          owner: 'a',
          url: 'https://h.example.org/',
          description: '',
          eventTypes: [],
          images: [],
          tags: [],
          enabled: true,
          createdAt: '2026-12-07T00:00:00.000Z',
          updatedAt: '2026-12-07T00:00:00.000Z',
          secrets: { current: 'pfs1.k1.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb' },
        },
      }),
    ).toThrow(/does not match the OpenAPI document/);
    expect(() =>
      expectDocumented('GET', '/tokens', 200, {
        tokens: [
          { id: '0123456789abcdef', name: 'x', scopes: ['read'], createdAt: 1, createdBy: 'y', secret: 'leaked' },
        ],
      }),
    ).toThrow(/does not match the OpenAPI document/);
    expect(() =>
      expectDocumented('POST', '/webhooks/github', 202, { delivery: 'd', outcome: 'rebuilt', runs: [] }),
    ).toThrow(/does not match/);
  });
});
