import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { boundedGet, type BoundedGetOptions, type BoundedGetResult } from './bounded-get';
import { isLoopbackHost } from './loopback';

/** What the errors callbacks made, so a test can tell them apart. */
class Made extends Error {
  constructor(
    readonly kind: 'unreachable' | 'http-status' | 'too-large' | 'refused',
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok': (_req, res) => void res.writeHead(200, { etag: '"v1"' }).end('hello'),
  '/hop/1': (_req, res) => void res.writeHead(302, { location: '/ok' }).end(),
  '/hop/2': (_req, res) => void res.writeHead(301, { location: '/hop/1' }).end(),
  '/loop': (_req, res) => void res.writeHead(307, { location: '/loop' }).end(),
  '/to-plain-http': (_req, res) => void res.writeHead(302, { location: 'http://example.com/ok' }).end(),
  '/declared-big': (_req, res) => void res.writeHead(200, { 'content-length': '64' }).end('x'.repeat(64)),
  '/streamed-big': (_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < 8; i++) res.write('x'.repeat(8));
    res.end();
  },
  '/silent': () => undefined,
  '/stalls': (_req, res) => void res.writeHead(200).write('partial'),
  '/missing': (_req, res) => void res.writeHead(404).end('no'),
  '/gone': (_req, res) => void res.writeHead(410).end(),
  '/busy': (_req, res) => void res.writeHead(503).end(),
  '/limited': (_req, res) => void res.writeHead(429).end(),
  '/forbidden': (_req, res) => void res.writeHead(403).end(),
  '/conditional': (req, res) =>
    void (req.headers['if-none-match'] === '"v1"'
      ? res.writeHead(304).end()
      : res.writeHead(200, { etag: '"v1"' }).end('fresh')),
};

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) =>
    (routes[req.url ?? ''] ?? ((_q, r: ServerResponse) => void r.writeHead(500).end()))(req, res),
  );
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

function options(extra: Partial<BoundedGetOptions> = {}): BoundedGetOptions {
  return {
    checkUrl: (raw) => {
      const url = new URL(raw);
      if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw new Made('refused', `${raw} refused`);
      return url;
    },
    timeoutMs: 2_000,
    maxBytes: 32,
    show: (text) => text,
    noAnswer: (href, timedOut, why) => `${href}: no answer (${timedOut ? 'timeout' : why})`,
    statusHint: '; check the URL',
    errors: {
      unreachable: (message) => new Made('unreachable', message, true),
      httpStatus: (message, retryable) => new Made('http-status', message, retryable),
      tooLarge: (message) => new Made('too-large', message),
    },
    ...extra,
  };
}

async function failure(path: string, extra: Partial<BoundedGetOptions> = {}): Promise<Made> {
  const error = await boundedGet(`${base}${path}`, options(extra)).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Made)) throw new Error(`expected a Made error, got ${String(error)}`);
  return error;
}

describe('boundedGet', () => {
  it('answers the body, the headers and the final URL after redirects', async () => {
    const result = await boundedGet(`${base}/hop/2`, options());
    expect(result.kind).toBe('ok');
    const ok = result as Extract<BoundedGetResult, { kind: 'ok' }>;
    expect(ok.body.toString('utf8')).toBe('hello');
    expect(ok.headers.get('etag')).toBe('"v1"');
    expect(ok.finalUrl.href).toBe(`${base}/ok`);
  });

  it('refuses more redirects than allowed', async () => {
    expect(await failure('/hop/2', { maxRedirects: 1 })).toMatchObject({
      kind: 'http-status',
      retryable: false,
      message: `${base}/hop/2: more than 1 redirects`,
    });
    expect(await failure('/loop')).toMatchObject({
      kind: 'http-status',
      message: `${base}/loop: more than 3 redirects`,
    });
  });

  it('checks every redirect target', async () => {
    expect(await failure('/to-plain-http')).toMatchObject({
      kind: 'refused',
      message: 'http://example.com/ok refused',
    });
  });

  it('refuses a body whose content-length is over the cap, and one that streams over it', async () => {
    expect(await failure('/declared-big')).toMatchObject({
      kind: 'too-large',
      message: `${base}/declared-big is larger than the limit of 32 bytes`,
    });
    expect(await failure('/streamed-big')).toMatchObject({
      kind: 'too-large',
      message: `${base}/streamed-big is larger than the limit of 32 bytes`,
    });
  });

  it('times out before the headers, and while the body stalls', async () => {
    expect(await failure('/silent', { timeoutMs: 300 })).toMatchObject({
      kind: 'unreachable',
      message: `${base}/silent: no answer (timeout)`,
    });
    expect(await failure('/stalls', { timeoutMs: 300 })).toMatchObject({
      kind: 'unreachable',
      message: `${base}/stalls: the transfer broke off (timeout); retry later`,
    });
  });

  it('says why a connection failed', async () => {
    const spare = createServer();
    await new Promise<void>((ok) => spare.listen(0, '127.0.0.1', ok));
    const address = spare.address();
    await new Promise<void>((ok) => spare.close(() => ok()));
    const href = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ok`;
    const closed = await failure('/ok', { checkUrl: () => new URL(href) });
    expect(closed).toMatchObject({ kind: 'unreachable', retryable: true });
    expect(closed.message).toMatch(new RegExp(`^${href}: no answer \\(.*ECONNREFUSED`));
  });

  it('rethrows the caller abort as is', async () => {
    const controller = new AbortController();
    const pending = boundedGet(`${base}/silent`, options({ signal: controller.signal }));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });

  it('answers gone on 404 and 410', async () => {
    expect(await boundedGet(`${base}/missing`, options())).toEqual({
      kind: 'gone',
      status: 404,
      finalUrl: new URL(`${base}/missing`),
    });
    expect(await boundedGet(`${base}/gone`, options())).toMatchObject({ kind: 'gone', status: 410 });
  });

  it('tells retryable statuses (5xx, 429) from the others', async () => {
    expect(await failure('/busy')).toMatchObject({
      retryable: true,
      message: `${base}/busy: the server answered HTTP 503; retry later`,
    });
    expect(await failure('/limited')).toMatchObject({ retryable: true });
    expect(await failure('/forbidden')).toMatchObject({
      retryable: false,
      message: `${base}/forbidden: the server answered HTTP 403; check the URL`,
    });
  });

  it('answers not-modified on 304 when asked, and treats it as a status otherwise', async () => {
    const conditional = { headers: { 'if-none-match': '"v1"' } };
    expect(await boundedGet(`${base}/conditional`, options({ ...conditional, notModified: true }))).toEqual({
      kind: 'not-modified',
    });
    expect(await failure('/conditional', conditional)).toMatchObject({
      kind: 'http-status',
      message: `${base}/conditional: the server answered HTTP 304; check the URL`,
    });
    expect(await boundedGet(`${base}/conditional`, options({ notModified: true }))).toMatchObject({ kind: 'ok' });
  });
});
