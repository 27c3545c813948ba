import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { parseSubscriptionInput } from '@patch-factory/webhooks';

/*
 * The webhook endpoints of the operator API answered from memory, on 127.0.0.1: a double for the
 * CLI's tests of its argument handling, output and escaping (the real routes are libs/api's). It
 * checks the bearer token and the subscription input with libs/webhooks' own schema, keeps every
 * request it received, renders times as epoch ms or ISO strings (`timeFormat`), and lets a test
 * answer any request itself (`answer`: a hostile server).
 */

export interface FixtureSubscription {
  id: string;
  owner: string;
  url: string;
  description: string;
  eventTypes: string[];
  images: string[];
  tags: string[];
  minSeverity?: string;
  enabled: boolean;
  disabled?: { reason: string; since: number };
  createdAt: number;
  updatedAt: number;
  rotation?: { previousExpiresAt: number };
}

export interface FixtureDelivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  subject: string;
  messageId: string;
  state: string;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  nextAttemptAt?: number;
  deliveredAt?: number;
  lastStatus?: number;
  lastError?: string;
  replayOf?: string;
  reason?: string;
}

export interface FixtureAttempt {
  attempt: number;
  at: number;
  outcome: string;
  status?: number;
  latencyMs: number;
  excerpt: string;
  excerptTruncated: boolean;
  errorCode?: string;
  error?: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

export interface FixtureAnswer {
  status: number;
  body?: string;
}

export interface WebhooksApiFixture {
  url: string;
  /** The token the fixture accepts (`Authorization: Bearer …`). */
  token: string;
  subscriptions: Map<string, FixtureSubscription>;
  deliveries: FixtureDelivery[];
  attempts: Map<string, FixtureAttempt[]>;
  requests: ReceivedRequest[];
  /** `iso`: every time rendered as an ISO 8601 string instead of epoch ms. */
  timeFormat: 'ms' | 'iso';
  /** Answers a request instead of the routes (undefined: the routes answer). */
  answer?: (req: ReceivedRequest) => FixtureAnswer | undefined;
  /** The fixture's clock (epoch ms). */
  now: number;
  /** A delivery of `subscriptionId` recorded as made at `createdAt`, with its attempts. */
  addDelivery(subscriptionId: string, fields: Partial<FixtureDelivery>, attempts?: FixtureAttempt[]): FixtureDelivery;
  close(): Promise<void>;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomId(prefix: string, alphabet: string): string {
  return prefix + [...randomBytes(26)].map((b) => alphabet[b % alphabet.length]).join('');
}

export const subscriptionId = (): string => randomId('sub_', CROCKFORD);
export const deliveryId = (): string => randomId('dlv_', BASE36);

/** A token of the API's format (pf_<16 hex>_<43 characters>). */
export function apiTokenForTests(): string {
  return `pf_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
}

const TIME_FIELDS = new Set([
  'createdAt',
  'updatedAt',
  'since',
  'previousExpiresAt',
  'nextAttemptAt',
  'deliveredAt',
  'at',
]);

export async function startWebhooksApiFixture(): Promise<WebhooksApiFixture> {
  const fixture: WebhooksApiFixture = {
    url: '',
    token: apiTokenForTests(),
    subscriptions: new Map(),
    deliveries: [],
    attempts: new Map(),
    requests: [],
    timeFormat: 'ms',
    now: Date.UTC(2026, 11, 7, 12, 0, 0),
    addDelivery(subscription, fields, attempts = []) {
      const id = fields.id ?? deliveryId();
      const d: FixtureDelivery = {
        id,
        subscriptionId: subscription,
        eventId: `evt_${randomBytes(8).toString('hex')}`,
        eventType: 'image.published',
        subject: 'dhi/redis:7.0',
        messageId: `msg_${randomBytes(8).toString('hex')}`,
        state: 'delivered',
        attempts: attempts.length,
        createdAt: fixture.now,
        updatedAt: fixture.now,
        ...fields,
      };
      fixture.deliveries.push(d);
      fixture.attempts.set(id, attempts);
      return d;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fixture');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const received: ReceivedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body,
        authorization: req.headers.authorization,
      };
      fixture.requests.push(received);
      const custom = fixture.answer?.(received);
      send(res, custom ?? route(fixture, received));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fixture.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return fixture;
}

function send(res: ServerResponse, answer: FixtureAnswer): void {
  res.writeHead(answer.status, answer.status === 204 ? {} : { 'content-type': 'application/json' });
  res.end(answer.status === 204 ? undefined : (answer.body ?? '{}'));
}

type Answer = FixtureAnswer;

function error(status: number, code: string, message: string): Answer {
  return { status, body: JSON.stringify({ error: { code, message } }) };
}

function route(f: WebhooksApiFixture, r: ReceivedRequest): Answer {
  const render = (value: unknown): string =>
    JSON.stringify(value, (key, v: unknown) =>
      f.timeFormat === 'iso' && TIME_FIELDS.has(key) && typeof v === 'number' ? new Date(v).toISOString() : v,
    );
  const ok = (status: number, value: unknown): Answer => ({ status, body: render(value) });
  if (r.authorization !== `Bearer ${f.token}`) return error(401, 'unauthenticated', 'a valid API token is needed');
  const parts = r.path.split('/').filter((p) => p !== '');
  if (parts[0] !== 'webhooks') return error(404, 'not-found', `no route ${r.method} ${r.path}`);
  const [, collection, id, action] = parts;
  const noSubscription = () => error(404, 'webhook-subscription-not-found', `no subscription with id "${id}"`);
  const noDelivery = () => error(404, 'webhook-delivery-not-found', `no delivery with id "${id}"`);

  if (collection === 'subscriptions') {
    if (id === undefined && r.method === 'POST') {
      let input;
      try {
        input = parseSubscriptionInput(r.body);
      } catch (e) {
        return error(400, 'webhook-subscription-invalid', (e as Error).message);
      }
      const s: FixtureSubscription = {
        id: subscriptionId(),
        owner: 'admin',
        ...input,
        enabled: true,
        createdAt: f.now,
        updatedAt: f.now,
      };
      if (input.minSeverity === undefined) delete s.minSeverity;
      f.subscriptions.set(s.id, s);
      return ok(201, { subscription: s, secret: secret() });
    }
    if (id === undefined && r.method === 'GET') return ok(200, { subscriptions: [...f.subscriptions.values()] });
    const s = id === undefined ? undefined : f.subscriptions.get(id);
    if (!s) return noSubscription();
    if (action === undefined && r.method === 'GET') return ok(200, { subscription: s });
    if (action === undefined && r.method === 'DELETE') {
      f.subscriptions.delete(s.id);
      return { status: 204 };
    }
    if (action === 'rotate' && r.method === 'POST') {
      const overlap = (r.body as { overlapSeconds?: number } | undefined)?.overlapSeconds ?? 86_400;
      if (overlap > 0) s.rotation = { previousExpiresAt: f.now + overlap * 1000 };
      else delete s.rotation;
      s.updatedAt = f.now;
      return ok(200, { subscription: s, secret: secret() });
    }
    if (action === 'replay' && r.method === 'POST') {
      const since = Date.parse((r.body as { since?: string } | undefined)?.since ?? '');
      if (!Number.isFinite(since)) return error(400, 'invalid-request', 'since must be an RFC 3339 time');
      const replays = f.deliveries
        .filter((d) => d.subscriptionId === s.id && d.createdAt >= since && d.replayOf === undefined)
        .map((d) => replayOf(f, d));
      return ok(202, { deliveries: replays });
    }
  }
  if (collection === 'deliveries') {
    if (id === undefined && r.method === 'GET') {
      const since = r.query['since'] === undefined ? undefined : Date.parse(r.query['since']);
      const limit = Number(r.query['limit'] ?? 100);
      const found = f.deliveries
        .filter((d) => r.query['subscription'] === undefined || d.subscriptionId === r.query['subscription'])
        .filter((d) => r.query['state'] === undefined || d.state === r.query['state'])
        .filter((d) => since === undefined || d.createdAt >= since)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, limit);
      return ok(200, { deliveries: found });
    }
    const d = f.deliveries.find((x) => x.id === id);
    if (!d) return noDelivery();
    if (action === undefined && r.method === 'GET')
      return ok(200, { delivery: d, attempts: f.attempts.get(d.id) ?? [] });
    if (action === 'replay' && r.method === 'POST') return ok(202, { delivery: replayOf(f, d) });
  }
  return error(404, 'not-found', `no route ${r.method} ${r.path}`);
}

function replayOf(f: WebhooksApiFixture, d: FixtureDelivery): FixtureDelivery {
  return f.addDelivery(d.subscriptionId, {
    eventId: d.eventId,
    eventType: d.eventType,
    subject: d.subject,
    messageId: d.messageId,
    state: 'pending',
    replayOf: d.id,
    attempts: 0,
  });
}

function secret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
