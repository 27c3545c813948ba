import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { BackboneFixture, waitFor, type ServiceProcess } from '../src';

const SECRET = 'host-origin-webhook-secret-0123456789';
const PUBLIC_NAME = 'factory.example.test';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: { error?: { code?: string; message?: string; requestId?: string } } & Record<string, unknown>;
}

/** An admin token of the fixture: every request carries it, so what is checked here is the HTTP layer, not access. */
let bearer = '';

/** One raw HTTP request to 127.0.0.1 with exactly the given headers and the token (fetch cannot set Host). */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...headers,
          ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
        },
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Reply['json'] = {};
          try {
            json = JSON.parse(text) as Reply['json'];
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const trigger = JSON.stringify({ definition: 'apps/does-not-exist.yaml' });
const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

describe('HTTP layer: only allowed Host names, no cross-site writes, no internal messages', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let port: number;
  let api: ServiceProcess;

  beforeAll(async () => {
    api = await fx.startService('dist/services/api/src/main.js', {
      PF_HTTP_ALLOWED_HOSTS: `${PUBLIC_NAME}, 10.9.8.7`,
      PF_GITHUB_WEBHOOK_SECRET: SECRET,
    });
    port = api.port;
    bearer = await fx.mintToken();
  }, 120_000);
  afterAll(() => fx.close(), 60_000);

  it('refuses a rebinding Host on read and write routes with 421 host-not-allowed naming it', async () => {
    for (const [method, path, body] of [
      ['GET', '/runs', undefined],
      ['GET', '/health/live', undefined],
      ['POST', '/runs', trigger],
      ['POST', '/events/upstream', '{}'],
    ] as const) {
      const res = await send(
        port,
        method,
        path,
        { host: `evil.example:${port}`, 'content-type': 'application/json' },
        body,
      );
      expect({ method, path, status: res.status, code: res.json.error?.code }).toEqual({
        method,
        path,
        status: 421,
        code: 'host-not-allowed',
      });
      expect(res.json.error?.message).toContain(`"evil.example:${port}"`);
    }
    // A missing or malformed Host, and control characters or a huge value quoted safely.
    // (Node itself refuses an HTTP/1.1 request without Host with 400.)
    expect([400, 421]).toContain((await send(port, 'GET', '/runs', {})).status);
    expect((await send(port, 'GET', '/runs', { host: '127.0.0.1.evil.example' })).status).toBe(421);
    const long = await send(port, 'GET', '/runs', { host: 'a'.repeat(500) });
    expect(long.status).toBe(421);
    expect(long.json.error!.message!.length).toBeLessThan(300);
  });

  it('answers loopback Host names, the configured extra names, with and without ports', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      'LOCALHOST',
      PUBLIC_NAME,
      `${PUBLIC_NAME}:443`,
      '10.9.8.7',
    ]) {
      const res = await send(port, 'GET', '/runs', { host });
      expect({ host, status: res.status }).toEqual({ host, status: 200 });
    }
    const written = await send(
      port,
      'POST',
      '/runs',
      { host: `localhost:${port}`, 'content-type': 'application/json', origin: `http://localhost:${port}` },
      trigger,
    );
    expect(written.status).not.toBe(421);
    expect(written.status).not.toBe(403);
  });

  it('refuses cross-site writes (foreign Origin, Sec-Fetch-Site: cross-site) with 403 and form bodies with 415', async () => {
    const host = `127.0.0.1:${port}`;
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1.evil.example:${port}`]) {
      const res = await send(port, 'POST', '/runs', { host, origin, 'content-type': 'application/json' }, trigger);
      expect({ origin, status: res.status, code: res.json.error?.code }).toEqual({
        origin,
        status: 403,
        code: 'origin-not-allowed',
      });
    }
    const fetchMeta = await send(
      port,
      'POST',
      '/events/upstream',
      { host, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      '{}',
    );
    expect(fetchMeta).toMatchObject({ status: 403, json: { error: { code: 'origin-not-allowed' } } });
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain;charset=UTF-8',
    ]) {
      const res = await send(port, 'POST', '/runs', { host, 'content-type': type }, 'definition=apps%2Fx.yaml');
      expect({ type, status: res.status, code: res.json.error?.code }).toEqual({
        type,
        status: 415,
        code: 'unsupported-media-type',
      });
    }
    // Reads from another origin are not writes: answered (the browser's same-origin policy hides them).
    expect((await send(port, 'GET', '/runs', { host, origin: 'http://evil.example' })).status).toBe(200);
  });

  it('takes a signed GitHub webhook (no Origin) through the configured public name, and refuses it on a foreign Host', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
    const headers = { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-hub-signature-256': sign(body) };
    const ok = await send(
      port,
      'POST',
      '/webhooks/github',
      { ...headers, host: PUBLIC_NAME, 'x-github-delivery': randomUUID() },
      body,
    );
    expect(ok.status).toBe(202);
    expect(ok.json).toMatchObject({ outcome: 'ignored' });
    const foreign = await send(
      port,
      'POST',
      '/webhooks/github',
      { ...headers, host: 'evil.example', 'x-github-delivery': randomUUID() },
      body,
    );
    expect(foreign).toMatchObject({ status: 421, json: { error: { code: 'host-not-allowed' } } });
  });

  it('answers deep JSON without an internal message, and no reply carries X-Powered-By', async () => {
    const host = `127.0.0.1:${port}`;
    // 15,000 nested arrays (under the 32 KiB body cap) in a field an OSV document may carry.
    const nested = `${'['.repeat(15_000)}${']'.repeat(15_000)}`;
    const bodies: Record<string, string> = {
      '/events/advisory': `{"id":"GHSA-deep-json-test","modified":"2024-01-02T03:04:05Z","database_specific":{"x":${nested}}}`,
      '/runs': `{"definition":"apps/x.yaml","trigger":${nested}}`,
      '/events/upstream': `{"source":"x","ref":${nested}}`,
    };
    const replies: Reply[] = [];
    for (const [path, deep] of Object.entries(bodies)) {
      const res = await send(port, 'POST', path, { host, 'content-type': 'application/json' }, deep);
      replies.push(res);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.text).not.toMatch(/call stack|RangeError|at [A-Za-z.]+ \(|\/work\/|node_modules/);
      expect(typeof res.json.error?.code).toBe('string');
      // The advisory route overflows the stack deep inside: a generic 503 carrying the request id.
      if (path === '/events/advisory') expect(res.status).toBe(503);
      if (res.status >= 500) {
        const requestId = String(res.headers['x-request-id']);
        expect(res.json.error?.requestId).toBe(requestId);
        expect(res.json.error?.message).toContain(requestId);
        // The real cause stays in the server's log, under that request id.
        await waitFor(
          'the error logged',
          () =>
            Promise.resolve(
              api
                .output()
                .split('\n')
                .some((l) => l.includes(requestId) && /call stack/.test(l))
                ? true
                : undefined,
            ),
          10_000,
          50,
        );
      }
    }
    replies.push(await send(port, 'GET', '/runs', { host }));
    replies.push(await send(port, 'GET', '/health/live', { host }));
    replies.push(await send(port, 'GET', '/metrics', { host }));
    replies.push(await send(port, 'GET', '/no-such-route', { host }));
    replies.push(await send(port, 'GET', '/runs', { host: 'evil.example' }));
    replies.push(await send(port, 'POST', '/runs', { host, 'content-type': 'application/json' }, '{"broken'));
    for (const res of replies) {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('guards every service the same way, not only the API (the orchestrator: health and metrics only)', async () => {
    const orchestrator = await fx.startService('dist/services/orchestrator/src/main.js');
    const other = orchestrator.port;
    const refused = await send(other, 'GET', '/health/live', { host: 'evil.example' });
    expect(refused).toMatchObject({ status: 421, json: { error: { code: 'host-not-allowed' } } });
    const live = await send(other, 'GET', '/health/live', { host: `localhost:${other}` });
    expect(live.status).toBe(200);
    const crossSite = await send(
      other,
      'POST',
      '/metrics',
      { host: `127.0.0.1:${other}`, origin: 'http://evil.example' },
      '',
    );
    expect(crossSite.status).toBe(403);
    for (const res of [refused, live, crossSite]) expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
