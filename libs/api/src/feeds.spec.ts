import { get } from 'node:http';
import { parseFeed } from '@rowanmanning/feed-parser';
import type { ApiClient } from '@patch-factory/testing';
import { DIGEST, imageEvents } from './webhooks/webhook-events.fixture';
import { startWebhooksApi, type WebhooksApiApp } from './webhooks/webhooks-api-app.fixture';

// GET /feeds/images.atom of the running API, read by a maintained feed parser
// (@rowanmanning/feed-parser): the catalog's feed and one image's (?image=), made from image
// events stored as the notify stage stores them (EventStore.store), with the tags moved, their
// digests and the CVEs fixed with their severities. The read scope is needed, unless the
// operator sets PF_FEEDS_PUBLIC=true.

const T0 = Date.UTC(2026, 11, 1, 12);
let api: WebhooksApiApp;
let reader: ApiClient;

/** GET the feed: its status, content type and text. */
async function feed(client: ApiClient, query = ''): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${client.base}/feeds/images.atom${query}`, { headers: client.authHeaders() });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/**
 * GET the catalog's feed as a polling feed reader does, with If-None-Match (node:http: fetch adds
 * `Cache-Control: no-cache` to a conditional request, which asks the server not to answer 304).
 */
function conditionalGet(
  client: ApiClient,
  etag?: string,
): Promise<{ status: number; etag: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(
      `${client.base}/feeds/images.atom`,
      { headers: { ...client.authHeaders(), ...(etag ? { 'if-none-match': etag } : {}) }, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  api = await startWebhooksApi();
  reader = await api.client('dashboards', ['read']);
  for (const e of [...imageEvents('examples/redis', T0), ...imageEvents('examples/static-web', T0 + 10_000)])
    expect(await api.events.store(e, Date.now())).toBe(true);
}, 60_000);

afterAll(async () => {
  await api?.close();
});

describe('the Atom feeds of image updates', () => {
  it('serves the catalog’s feed, newest first, with tags, digests, CVEs and severities', async () => {
    const res = await feed(reader);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/atom\+xml/);
    const parsed = parseFeed(res.text);
    expect(parsed.meta.type).toBe('atom');
    expect(parsed.self).toBe(`${reader.base}/feeds/images.atom`);
    expect(parsed.items.map((i) => i.title)).toEqual([
      'examples/static-web: 8, 8.2 updated (2 vulnerabilities fixed, highest critical)',
      'examples/static-web: published as 8, 8.2',
      'examples/redis: 8, 8.2 updated (2 vulnerabilities fixed, highest critical)',
      'examples/redis: published as 8, 8.2',
    ]);
    const updated = parsed.items[2]!;
    expect(updated.content).toContain(`8: ${DIGEST(1)} -> ${DIGEST(2)}`);
    expect(updated.content).toContain(`8.2: ${DIGEST(1)} -> ${DIGEST(2)}`);
    expect(updated.content).toContain('CVE-2026-1001 (critical)');
    expect(updated.content).toContain('CVE-2026-1002 (low)');
    expect(updated.categories.map((c) => c.term)).toEqual(['image.updated']);
    expect(updated.published ?? updated.updated).toEqual(new Date(T0 + 1000));
    expect(parsed.items[3]!.content).toContain(`8: new -> ${DIGEST(1)}`);
    // Entry ids are the events' ids: the same on every read.
    expect(parseFeed((await feed(reader)).text).items.map((i) => i.id)).toEqual(parsed.items.map((i) => i.id));
    expect(new Set(parsed.items.map((i) => i.id)).size).toBe(4);
  });

  it('serves one image’s feed (image names hold a slash: a query parameter)', async () => {
    const res = await feed(reader, '?image=examples/redis');
    expect(res.status).toBe(200);
    const parsed = parseFeed(res.text);
    expect(parsed.title).toBe('patch-factory: updates of examples/redis');
    expect(parsed.self).toBe(`${reader.base}/feeds/images.atom?image=examples/redis`);
    expect(parsed.items.map((i) => i.title)).toEqual([
      'examples/redis: 8, 8.2 updated (2 vulnerabilities fixed, highest critical)',
      'examples/redis: published as 8, 8.2',
    ]);
    expect(parseFeed((await feed(reader, '?image=examples/none')).text).items).toEqual([]);
  });

  it('answers a poller that has the current feed 304 without a body (ETag, If-None-Match)', async () => {
    const first = await conditionalGet(reader);
    expect(first.status).toBe(200);
    expect(first.etag).toBeTruthy();
    const again = await conditionalGet(reader, first.etag);
    expect(again).toMatchObject({ status: 304, body: '' });
    // A new event changes the feed, and its tag.
    for (const e of imageEvents('examples/etag', T0 + 20_000)) await api.events.store(e, Date.now());
    const changed = await conditionalGet(reader, first.etag);
    expect(changed.status).toBe(200);
    expect(changed.etag).not.toBe(first.etag);
    expect(parseFeed(changed.body).items[0]!.title).toMatch(/^examples\/etag: /);
  });

  it.each([['?image=../etc/passwd'], ['?image=Examples/Redis'], ['?image='], ['?images=examples/redis']])(
    'refuses the query %s with 400',
    async (query) => {
      const res = await feed(reader, query);
      expect(res.status).toBe(400);
      expect((JSON.parse(res.text) as { error: { message: string } }).error.message).toMatch(/query: .*image/);
    },
  );

  it('needs a token with the read scope unless the operator makes feeds public', async () => {
    const anonymous = await feed(api.anonymous);
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain('<feed');
    const noRead = await api.client('ingest', ['events']);
    expect((await feed(noRead)).status).toBe(403);
  });
});

describe('with PF_FEEDS_PUBLIC=true', () => {
  it('serves the feeds without a token, and still with one', async () => {
    const open = await startWebhooksApi({ PF_FEEDS_PUBLIC: 'true' });
    try {
      for (const e of imageEvents('examples/redis', T0)) await open.events.store(e, Date.now());
      const res = await feed(open.anonymous, '?image=examples/redis');
      expect(res.status).toBe(200);
      expect(parseFeed(res.text).items).toHaveLength(2);
      expect((await feed(open.admin)).status).toBe(200);
      // Only the feeds are public.
      expect((await open.anonymous.request('GET', '/webhooks/deliveries')).status).toBe(401);
      expect((await open.anonymous.request('GET', '/runs')).status).toBe(401);
    } finally {
      await open.close();
    }
  });
});
