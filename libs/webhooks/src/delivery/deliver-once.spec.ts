import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { Resolver } from '../receiver-address/receiver-address';
import { WebhooksErrorCode } from '../webhooks-errors';
import { deliverOnce, type DeliverOnceInput } from './deliver-once';
import {
  type LocalReceiver,
  type ReceiverHandler,
  selfSignedCertificate,
  startReceiver,
} from './local-receiver.fixture';
import { generateSecret, signedHeaders } from './standard-webhooks-signature';

const LOCAL = ['127.0.0.1/32'];
const body = JSON.stringify({ specversion: '1.0', id: 'evt-1', type: 'image.published', data: { tag: 'redis:7' } });

/** A resolver answering `answers[i]` on its i-th call (the last one after that), counting calls. */
function sequenceResolver(...answers: string[]): Resolver & { calls: number } {
  const state = { calls: 0 };
  const resolver: Resolver = () => {
    const address = answers[Math.min(state.calls, answers.length - 1)] ?? '';
    state.calls += 1;
    return Promise.resolve([{ address, family: address.includes(':') ? 6 : 4 }]);
  };
  return Object.defineProperty(resolver, 'calls', { get: () => state.calls }) as Resolver & { calls: number };
}

function asStrings(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
}

function signed(secrets: string[], id = 'msg_evt1'): Record<string, string> {
  return { ...signedHeaders({ id, timestamp: Math.floor(Date.now() / 1000), body, secrets }) };
}

const receivers: LocalReceiver[] = [];
async function receiver(options: Parameters<typeof startReceiver>[0] = {}): Promise<LocalReceiver> {
  const r = await startReceiver(options);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('deliverOnce to real local receivers', () => {
  it('delivers a signed POST that the receiver verifies with standardwebhooks (one and two secrets)', async () => {
    const rx = await receiver();
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const first = await deliverOnce({
      url: rx.url('/in?team=a'),
      headers: signed([newSecret]),
      body,
      allowList: LOCAL,
    });
    expect(first).toMatchObject({ outcome: 'delivered', status: 204, address: '127.0.0.1', excerpt: '' });
    expect(first.errorCode).toBeUndefined();
    const rotated = await deliverOnce({
      url: rx.url('/in?team=a'),
      headers: signed([newSecret, oldSecret]),
      body,
      allowList: LOCAL,
    });
    expect(rotated.outcome).toBe('delivered');

    expect(rx.requests).toHaveLength(2);
    const [one, two] = rx.requests;
    expect(one?.method).toBe('POST');
    expect(one?.url).toBe('/in?team=a');
    expect(one?.headers.host).toBe(`127.0.0.1:${rx.port}`);
    expect(one?.headers['content-type']).toBe('application/json');
    expect(one?.body.toString()).toBe(body);
    expect(new Webhook(newSecret).verify(one!.body, asStrings(one!.headers))).toEqual(JSON.parse(body));
    expect(() => new Webhook(oldSecret).verify(one!.body, asStrings(one!.headers))).toThrow();
    // During the rotation either secret verifies; the webhook-id is the caller's, the same on both attempts.
    expect(() => new Webhook(oldSecret).verify(two!.body, asStrings(two!.headers))).not.toThrow();
    expect(() => new Webhook(newSecret).verify(two!.body, asStrings(two!.headers))).not.toThrow();
    expect(two?.headers['webhook-id']).toBe(one?.headers['webhook-id']);
  });

  it("the caller cannot set Host or Content-Length: the URL's host and the body's length are sent", async () => {
    const rx = await receiver();
    const headers = { ...signed([generateSecret()]), Host: 'metadata.internal', 'Content-Length': '1' };
    expect((await deliverOnce({ url: rx.url(), headers, body, allowList: LOCAL })).outcome).toBe('delivered');
    expect(rx.requests[0]?.headers.host).toBe(`127.0.0.1:${rx.port}`);
    expect(rx.requests[0]?.body.toString()).toBe(body);
  });

  describe('SSRF: nothing internal is reached', () => {
    it('a loopback receiver that is not allow-listed is refused before any connection', async () => {
      const rx = await receiver();
      const result = await deliverOnce({ url: rx.url(), headers: signed([generateSecret()]), body });
      expect(result).toMatchObject({ outcome: 'failed', errorCode: WebhooksErrorCode.addressBlocked });
      expect(result.error).toContain('127.0.0.0/8 (loopback)');
      expect(rx.requests).toHaveLength(0);
    });

    it('a name resolving to 127.0.0.1 is refused (resolved once), https or not', async () => {
      const rx = await receiver();
      for (const scheme of ['http', 'https']) {
        const resolver = sequenceResolver('127.0.0.1');
        const result = await deliverOnce({
          url: `${scheme}://hooks.example.test:${rx.port}/`,
          headers: signed([generateSecret()]),
          body,
          resolver,
        });
        expect(result).toMatchObject({ outcome: 'failed', errorCode: WebhooksErrorCode.addressBlocked });
        expect(result.error).toContain('hooks.example.test');
        expect(resolver.calls).toBe(1);
      }
      expect(rx.requests).toHaveLength(0);
    });

    it.each([
      ['127.0.0.1', '::1'],
      ['::1', '127.0.0.1'],
    ])(
      'DNS rebinding: first answer %s (checked, allow-listed), then %s: one lookup, the connection goes to the first',
      async (checked, rebound) => {
        const good = await receiver({ host: checked });
        // The trap listens on the rebound address at the same port: reached only by a second lookup.
        const trap = await receiver({ host: rebound, port: good.port });
        const resolver = sequenceResolver(checked, rebound);
        const result = await deliverOnce({
          url: `http://rebind.example.test:${good.port}/hook`,
          headers: signed([generateSecret()]),
          body,
          resolver,
          allowList: [`${checked}/${checked.includes(':') ? 128 : 32}`],
        });
        expect(result).toMatchObject({ outcome: 'delivered', address: checked });
        expect(resolver.calls).toBe(1);
        expect(good.requests).toHaveLength(1);
        expect(good.requests[0]?.headers.host).toBe(`rebind.example.test:${good.port}`);
        expect(trap.requests).toHaveLength(0);
      },
    );

    it.each([301, 302, 303, 307, 308])(
      'a %i redirect to a private address is a failure, not followed',
      async (code) => {
        const trap = await receiver({ host: '::1' });
        const rx = await receiver({
          handler: (_req, res) => res.writeHead(code, { location: trap.url('/latest/meta-data') }).end('moved'),
        });
        const result = await deliverOnce({
          url: rx.url(),
          headers: signed([generateSecret()]),
          body,
          allowList: LOCAL,
        });
        expect(result).toMatchObject({ outcome: 'failed', status: code, errorCode: WebhooksErrorCode.redirectRefused });
        expect(rx.requests).toHaveLength(1);
        expect(trap.requests).toHaveLength(0);
      },
    );

    it('refuses credentials in the URL and http to a non-allow-listed public address, without connecting', async () => {
      const resolver = sequenceResolver('93.184.215.14');
      const creds = await deliverOnce({ url: 'https://u:p@hooks.example.test/', headers: {}, body, resolver });
      expect(creds.errorCode).toBe(WebhooksErrorCode.urlCredentials);
      const plain = await deliverOnce({ url: 'http://hooks.example.test/', headers: {}, body, resolver });
      expect(plain.errorCode).toBe(WebhooksErrorCode.httpsRequired);
    });
  });

  describe('statuses', () => {
    const now = Date.UTC(2026, 11, 7, 20, 0, 0);
    it.each<[number, Record<string, string>, Partial<Awaited<ReturnType<typeof deliverOnce>>>]>([
      [200, {}, { outcome: 'delivered', excerpt: 'reply 200' }],
      [201, {}, { outcome: 'delivered' }],
      [299, {}, { outcome: 'delivered' }],
      [410, {}, { outcome: 'gone' }],
      [429, { 'retry-after': '120' }, { outcome: 'throttled', retryAfterMs: 120_000 }],
      [429, { 'retry-after': '99999999' }, { outcome: 'throttled', retryAfterMs: 86_400_000 }],
      [503, { 'retry-after': 'Mon, 07 Dec 2026 20:02:00 GMT' }, { outcome: 'throttled', retryAfterMs: 120_000 }],
      [503, {}, { outcome: 'throttled' }],
      [429, { 'retry-after': 'soon' }, { outcome: 'throttled' }],
      [500, {}, { outcome: 'failed', errorCode: WebhooksErrorCode.httpStatus }],
      [404, {}, { outcome: 'failed', errorCode: WebhooksErrorCode.httpStatus }],
      [400, {}, { outcome: 'failed', errorCode: WebhooksErrorCode.httpStatus }],
      [304, {}, { outcome: 'failed', errorCode: WebhooksErrorCode.redirectRefused }],
    ])('%i %j is %j', async (status, headers, expected) => {
      const handler: ReceiverHandler = (_req, res) => res.writeHead(status, headers).end(`reply ${status}`);
      const rx = await receiver({ handler });
      const result = await deliverOnce({
        url: rx.url(),
        headers: signed([generateSecret()]),
        body,
        allowList: LOCAL,
        now: () => now,
      });
      expect(result).toMatchObject({ status, ...expected });
      if (!('retryAfterMs' in expected)) expect(result.retryAfterMs).toBeUndefined();
      expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    });
  });

  describe('transport failures are results with a code, never throws', () => {
    it('a receiver slower than the timeout: webhook-timeout', async () => {
      const rx = await receiver({ handler: () => undefined });
      const result = await deliverOnce({ url: rx.url(), headers: {}, body, allowList: LOCAL, timeoutMs: 300 });
      expect(result).toMatchObject({ outcome: 'failed', errorCode: WebhooksErrorCode.timeout });
      expect(result.status).toBeUndefined();
      expect(rx.requests).toHaveLength(1);
    });

    it('a resolver that never answers: webhook-timeout', async () => {
      const hanging: Resolver = () => new Promise(() => undefined);
      const result = await deliverOnce({
        url: 'https://slow-dns.test/',
        headers: {},
        body,
        resolver: hanging,
        timeoutMs: 200,
      });
      expect(result).toMatchObject({ outcome: 'failed', errorCode: WebhooksErrorCode.timeout });
    });

    it('a 200 whose body never ends: delivered, with the excerpt read until the timeout', async () => {
      const rx = await receiver({ handler: (_req, res) => res.writeHead(200).write('partial') });
      const result = await deliverOnce({ url: rx.url(), headers: {}, body, allowList: LOCAL, timeoutMs: 300 });
      expect(result).toMatchObject({ outcome: 'delivered', status: 200, excerpt: 'partial', excerptTruncated: true });
    });

    it('a header with CR/LF from the caller: webhook-headers-invalid, nothing sent', async () => {
      const rx = await receiver();
      for (const headers of [{ 'x-note': 'a\r\nx-injected: 1' }, { 'bad name': 'v' }] as Record<string, string>[]) {
        const result = await deliverOnce({ url: rx.url(), headers, body, allowList: LOCAL });
        expect(result).toMatchObject({ outcome: 'failed', errorCode: WebhooksErrorCode.headersInvalid });
      }
      expect(rx.requests).toHaveLength(0);
    });

    it('a closed port: webhook-connection-refused', async () => {
      const rx = await startReceiver();
      await rx.close();
      const result = await deliverOnce({ url: rx.url(), headers: {}, body, allowList: LOCAL });
      expect(result).toMatchObject({ outcome: 'failed', errorCode: WebhooksErrorCode.connectionRefused });
    });

    it('a receiver that drops the connection: webhook-connection-reset', async () => {
      const rx = await receiver({ handler: (_req, res) => res.socket?.destroy() });
      const result = await deliverOnce({ url: rx.url(), headers: {}, body, allowList: LOCAL });
      expect(result).toMatchObject({ outcome: 'failed', errorCode: WebhooksErrorCode.connectionReset });
    });

    it('a huge response body is read only up to the excerpt, then the connection is dropped', async () => {
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      const total = 256;
      let written = 0;
      const closed = new Promise<boolean>((resolve) => {
        const handler: ReceiverHandler = (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const pump = (): void => {
            while (written < total) {
              written += 1;
              if (!res.write(chunk)) {
                res.once('drain', pump);
                return;
              }
            }
            res.end();
          };
          res.on('close', () => resolve(res.writableFinished));
          pump();
        };
        void receiver({ handler }).then((rx) =>
          deliverOnce({ url: rx.url(), headers: {}, body, allowList: LOCAL, excerptBytes: 100 }).then((result) => {
            expect(result).toMatchObject({ outcome: 'delivered', status: 200, excerptTruncated: true });
            expect(result.excerpt).toBe('x'.repeat(100));
          }),
        );
      });
      // The receiver's response never finished: the client hung up long before 256 MiB.
      expect(await closed).toBe(false);
      expect(written).toBeLessThan(total);
    });
  });

  describe('https with a self-signed certificate (openssl at test time)', () => {
    const tls = selfSignedCertificate(['hooks.test']);

    it('connects to the checked address with the URL host as TLS server name, and verifies', async () => {
      const rx = await receiver({ tls });
      const secret = generateSecret();
      const input = (): DeliverOnceInput => ({
        url: `https://hooks.test:${rx.port}/hook`,
        headers: signed([secret]),
        body,
        resolver: sequenceResolver('127.0.0.1', '::1'),
        allowList: LOCAL,
        ca: tls.cert,
      });
      expect(await deliverOnce(input())).toMatchObject({ outcome: 'delivered', status: 204 });
      const got = rx.requests[0]!;
      expect(got.servername).toBe('hooks.test');
      expect(got.headers.host).toBe(`hooks.test:${rx.port}`);
      expect(() => new Webhook(secret).verify(got.body, asStrings(got.headers))).not.toThrow();

      // An untrusted certificate, and a name the certificate does not cover: webhook-tls-failed.
      const untrusted = await deliverOnce({ ...input(), ca: undefined });
      expect(untrusted).toMatchObject({ outcome: 'failed', errorCode: WebhooksErrorCode.tlsFailed });
      const otherName = await deliverOnce({ ...input(), url: `https://other.test:${rx.port}/hook` });
      expect(otherName).toMatchObject({ outcome: 'failed', errorCode: WebhooksErrorCode.tlsFailed });
      expect(otherName.error).toMatch(/other\.test/);
      expect(rx.requests).toHaveLength(1);
    });
  });
});
