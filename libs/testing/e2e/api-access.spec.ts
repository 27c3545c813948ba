import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_TOKEN_FORMAT, ROLES, SCOPES, type Scope } from '@patch-factory/store';
import { BackboneFixture, type ApiClient } from '../src';

interface Operation {
  operationId: string;
  security?: unknown[];
  'x-required-scope'?: Scope;
  responses: Record<string, unknown>;
}
type ErrorReply = { error?: { code?: string; message?: string } };

/** A concrete path for a templated one ({id} → an id of the right form that does not exist). */
const concrete = (path: string) => path.replace('{id}', path.startsWith('/tokens') ? '0123456789abcdef' : 'no-such-id');

describe('every route needs a token with its scope (OpenAPI-driven), tokens and the audit log', () => {
  const fx = new BackboneFixture(undefined, {
    PF_LOG_LEVEL: 'warn',
    PF_GITHUB_WEBHOOK_SECRET: 'access-test-webhook-secret-0123',
  });
  let api: ApiClient;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  };

  beforeAll(async () => {
    api = await fx.startApi();
    const res = await api.request<typeof doc>('GET', '/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  }, 120_000);
  afterAll(() => fx.close(), 60_000);

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );

  it('declares a bearer scheme, and only health and the signed webhook as public', () => {
    expect(doc.components.securitySchemes['bearerToken']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const pub = operations()
      .filter(({ op }) => Array.isArray(op.security) && op.security.length === 0)
      .map(({ op }) => op.operationId);
    expect(pub.sort()).toEqual(['githubWebhook', 'live', 'ready']);
    for (const { op } of operations()) {
      if (pub.includes(op.operationId)) continue;
      expect({ op: op.operationId, scope: SCOPES.includes(op['x-required-scope'] as Scope) }).toEqual({
        op: op.operationId,
        scope: true,
      });
      for (const status of ['401', '403', '429', '421'])
        expect({ op: op.operationId, status, declared: status in op.responses }).toEqual({
          op: op.operationId,
          status,
          declared: true,
        });
    }
  });

  it('answers every protected route 401 without a token or with a bad one, and 403 with every scope but the one it needs', async () => {
    const forged = 'pf_0123456789abcdef_' + 'A'.repeat(43);
    const checked: string[] = [];
    for (const { path, method, op } of operations()) {
      const scope = op['x-required-scope'];
      if (!scope) continue;
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      const none = await api.withToken(undefined).request<ErrorReply>(method, concrete(path), body);
      expect({ op: op.operationId, status: none.status, code: none.body.error?.code }).toEqual({
        op: op.operationId,
        status: 401,
        code: 'unauthenticated',
      });
      const bad = await api.withToken(forged).request<ErrorReply>(method, concrete(path), body);
      expect({ op: op.operationId, status: bad.status, code: bad.body.error?.code }).toEqual({
        op: op.operationId,
        status: 401,
        code: 'invalid-token',
      });
      // Every scope except the one needed (and except admin, which holds them all).
      const others = SCOPES.filter((s) => s !== scope && s !== 'admin');
      const weak = await api
        .withToken(await fx.mintToken(others, `without-${scope}`))
        .request<ErrorReply>(method, concrete(path), body);
      expect({ op: op.operationId, status: weak.status, code: weak.body.error?.code }).toEqual({
        op: op.operationId,
        status: 403,
        code: 'insufficient-scope',
      });
      expect(weak.body.error?.message).toContain(`"${scope}"`);
      // The scope itself gets past the guard (the route may still refuse the empty body or missing id).
      const right = await api
        .withToken(await fx.mintToken([scope], `with-${scope}`))
        .request<ErrorReply>(method, concrete(path), body);
      expect({ op: op.operationId, passes: ![401, 403].includes(right.status) }).toEqual({
        op: op.operationId,
        passes: true,
      });
      checked.push(op.operationId);
    }
    expect(checked.length).toBeGreaterThanOrEqual(13);
  }, 120_000);

  it('an unauthenticated trigger starts nothing; a revoked token is refused at once', async () => {
    const before = (await fx.runs.list({ limit: 1000 })).length;
    const res = await api
      .withToken(undefined)
      .request<ErrorReply>('POST', '/runs', { definition: 'image/x/debian-12/1.yaml' });
    expect(res.status).toBe(401);
    expect((await fx.runs.list({ limit: 1000 })).length).toBe(before);

    const made = await api.request<{ id: string; token: string; scopes: string[] }>('POST', '/tokens', {
      name: 'ci-pipeline',
      role: 'operator',
    });
    expect(made.status).toBe(201);
    expect(made.body.scopes).toEqual(ROLES.operator);
    const operator = api.withToken(made.body.token);
    expect((await operator.request('GET', '/runs')).status).toBe(200);
    expect((await operator.request<ErrorReply>('POST', '/tokens', { name: 'escalate', role: 'admin' })).status).toBe(
      403,
    );
    // Listed without its secret; the secret is nowhere in Redis (only its hash).
    const list = await api.request<{ tokens: { id: string }[] }>('GET', '/tokens');
    expect(list.body.tokens.map((t) => t.id)).toContain(made.body.id);
    // The secret is base64url and may itself hold '_': read it by the token's grammar, never by split('_').
    const secret = API_TOKEN_FORMAT.exec(made.body.token)?.[2] as string;
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const values = await fx.redis.hgetall(`${fx.prefix}:access:token:${made.body.id}`);
    expect(JSON.stringify(values)).not.toContain(secret);

    expect((await api.request('DELETE', `/tokens/${made.body.id}`)).status).toBe(204);
    const after = await operator.request<ErrorReply>('GET', '/runs');
    expect({ status: after.status, code: after.body.error?.code }).toEqual({ status: 401, code: 'invalid-token' });
    expect((await api.request<ErrorReply>('DELETE', `/tokens/${made.body.id}`)).status).toBe(404);
  });

  it('records who did what, when, and how it ended in the audit log (writes and refusals, not reads)', async () => {
    const made = await api.request<{ id: string; token: string }>('POST', '/tokens', {
      name: 'release-bot',
      role: 'operator',
    });
    const bot = api.withToken(made.body.token);
    const triggered = await bot.request<{ runId: string }>('POST', '/runs', {
      definition: 'image/audited/debian-12/1.yaml',
    });
    expect(triggered.status).toBe(202);
    await bot.request('GET', '/runs');
    await api.withToken(undefined).request('POST', '/dead-letters/x/replay');
    await bot.request('POST', '/events/upstream', {});

    const log = await api.request<{
      entries: {
        actor: string;
        actorName?: string;
        method: string;
        path: string;
        status: number;
        outcome: string;
        at: number;
      }[];
    }>('GET', `/audit?actor=${made.body.id}`);
    expect(log.status).toBe(200);
    const mine = log.body.entries.map(({ actorName, method, path, status, outcome }) => ({
      actorName,
      method,
      path,
      status,
      outcome,
    }));
    // Newest first: the refused event post, then the trigger; the read is not recorded.
    expect(mine).toEqual([
      { actorName: 'release-bot', method: 'POST', path: '/events/upstream', status: 403, outcome: 'refused' },
      { actorName: 'release-bot', method: 'POST', path: '/runs', status: 202, outcome: 'ok' },
    ]);
    const all = await api.request<{ entries: { actor: string; path: string; status: number }[] }>(
      'GET',
      '/audit?limit=50',
    );
    expect(all.body.entries).toContainEqual(
      expect.objectContaining({ actor: 'anonymous', path: '/dead-letters/x/replay', status: 401 }),
    );
    // Token administration is itself audited (the admin that made the bot's token).
    expect(all.body.entries.some((e) => e.path === '/tokens' && e.status === 201)).toBe(true);
  });
});

describe('bootstrap admin token and rate limits', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pf-bootstrap-'));
  });
  afterAll(async () => {
    await fx.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('prints one admin token at the first start (file 0600, a stale file replaced), none when two replicas start together or later', async () => {
    const files = [join(dir, 'admin-token'), join(dir, 'other-token')];
    // Files left by an earlier installation (its tokens died with its store).
    for (const f of files) writeFileSync(f, 'stale\n', { mode: 0o644 });
    const [a, b] = await Promise.all(
      files.map((f) => fx.startService('dist/services/api/src/main.js', { PF_BOOTSTRAP_TOKEN_FILE: f })),
    );
    const printed = [a, b].flatMap((p) => p!.output().match(/pf_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g) ?? []);
    expect(printed).toHaveLength(1);
    const token = printed[0] as string;
    const contents = files.map((f) => readFileSync(f, 'utf8').trim());
    expect(contents.filter((c) => c === token)).toHaveLength(1);
    expect(contents.filter((c) => c === 'stale')).toHaveLength(1);
    const written = files[contents.indexOf(token)] as string;
    expect(statSync(written).mode & 0o777).toBe(0o600);

    const admin = (await fx.client(a!.port)).withToken(token);
    const made = await admin.request<{ token: string }>('POST', '/tokens', { name: 'second', role: 'reader' });
    expect(made.status).toBe(201);
    // A later start on the same installation makes none.
    const c = await fx.startService('dist/services/api/src/main.js', {
      PF_BOOTSTRAP_TOKEN_FILE: join(dir, 'third-token'),
    });
    expect(c.output()).not.toMatch(/pf_[0-9a-f]{16}_/);
    expect(() => statSync(join(dir, 'third-token'))).toThrow();
  }, 120_000);

  it('limits each token to PF_API_RATE_LIMIT_PER_MINUTE (429 with Retry-After), without touching other tokens', async () => {
    const p = await fx.startService('dist/services/api/src/main.js', { PF_API_RATE_LIMIT_PER_MINUTE: '5' });
    const client = await fx.client(p.port);
    const cold = client.withToken(await fx.mintToken(['read'], 'cold'));
    // The window is a fixed minute: a burst that a minute's turn cuts in two restarts the count,
    // so the burst and the request after it are tried again (at most 3 times) until they fall in one minute.
    const minute = () => Math.floor(Date.now() / 60_000);
    let statuses: number[] = [];
    let res: Response | undefined;
    let hot = client;
    for (let attempt = 0; attempt < 3; attempt++) {
      hot = client.withToken(await fx.mintToken(['read'], `hot-${attempt}`));
      const start = minute();
      statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await hot.request('GET', '/runs')).status);
      res = await fetch(`${hot.base}/runs`, { headers: hot.authHeaders() });
      if (minute() === start) break;
    }
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    if (res === undefined) throw new Error('no request made');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await res.json()) as ErrorReply).error?.code).toBe('rate-limited');
    expect((await cold.request('GET', '/runs')).status).toBe(200);
  }, 120_000);

  it('guards /metrics of every service (a worker), leaving its health probes open', async () => {
    const worker = await fx.startService('dist/services/orchestrator/src/main.js');
    const anonymous = (await fx.client(worker.port)).withToken(undefined);
    expect((await anonymous.request('GET', '/health/live')).status).toBe(200);
    expect((await anonymous.request('GET', '/metrics')).status).toBe(401);
    const reader = anonymous.withToken(await fx.mintToken(['read'], 'prometheus'));
    expect((await reader.request('GET', '/metrics')).status).toBe(200);
    expect(
      (await anonymous.withToken(await fx.mintToken(['events'], 'ingest')).request('GET', '/metrics')).status,
    ).toBe(403);
  }, 120_000);
});
