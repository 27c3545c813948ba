import { openActiveSecrets, type Subscription } from '@patch-factory/webhooks';
import { WebhookSettings } from '@patch-factory/notifying';
import type { ApiClient } from '@patch-factory/testing';
import { startWebhooksApi, type WebhooksApiApp } from './webhooks/webhooks-api-app.fixture';
import type { PublicSubscription } from './webhooks/webhooks-api.schemas';

// The webhook subscription routes of the running API (real access guard and tokens, real Redis):
// the secret is answered on creation and rotation only and Redis holds it sealed; hostile input
// is refused naming the field; each owner sees only its own subscriptions (another's is 404);
// update, pause and enable again, delete.

type Created = { subscription: PublicSubscription; secret: string };
type ErrorBody = { error: { code: string; message: string } };

let api: WebhooksApiApp;
let teamA: ApiClient;
let teamB: ApiClient;
let reader: ApiClient;

beforeAll(async () => {
  // The tests' own receivers (loopback) are reached through the allow-list, as an operator's on premises.
  api = await startWebhooksApi({ PF_WEBHOOK_ALLOW_CIDRS: '127.0.0.1/32' });
  teamA = await api.client('team-a', ['read', 'webhooks']);
  teamB = await api.client('team-b', ['read', 'webhooks']);
  reader = await api.client('team-a', ['read']);
}, 60_000);

afterAll(async () => {
  await api?.close();
});

const input = (extra: Record<string, unknown> = {}) => ({
  url: 'https://hooks.example.org/patch-factory?token=t1',
  description: 'redis updates for the cache team',
  eventTypes: ['image.updated', 'image.published'],
  images: ['examples/redis', 'examples/**'],
  tags: ['8.*'],
  minSeverity: 'high',
  ...extra,
});

async function create(client: ApiClient, extra: Record<string, unknown> = {}): Promise<Created> {
  const res = await client.request<Created>('POST', '/webhooks/subscriptions', input(extra));
  expect(res.status).toBe(201);
  return res.body;
}

/** Every value stored under the test prefix, as text (strings, hashes, lists, sets, sorted sets, streams). */
async function everythingStored(): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  for (let i = 0; i < 1000; i++) {
    const [next, keys] = await api.redis.scan(cursor, 'MATCH', `${api.prefix}*`, 'COUNT', 500);
    for (const key of keys) {
      const type = await api.redis.type(key);
      out.push(key);
      if (type === 'string') out.push((await api.redis.get(key)) ?? '');
      else if (type === 'hash') out.push(JSON.stringify(await api.redis.hgetall(key)));
      else if (type === 'list') out.push(JSON.stringify(await api.redis.lrange(key, 0, -1)));
      else if (type === 'set') out.push(JSON.stringify(await api.redis.smembers(key)));
      else if (type === 'zset') out.push(JSON.stringify(await api.redis.zrange(key, 0, -1)));
      else if (type === 'stream') out.push(JSON.stringify(await api.redis.xrange(key, '-', '+')));
    }
    cursor = next;
    if (cursor === '0') break;
  }
  return out.join('\n');
}

describe('creating a subscription', () => {
  it('answers the secret once; GET and list never show it, and Redis holds it only sealed', async () => {
    const { subscription, secret } = await create(teamA);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(subscription).toMatchObject({
      owner: 'team-a',
      url: 'https://hooks.example.org/patch-factory?token=t1',
      eventTypes: ['image.updated', 'image.published'],
      images: ['examples/redis', 'examples/**'],
      tags: ['8.*'],
      minSeverity: 'high',
      enabled: true,
    });
    expect(subscription.id).toMatch(/^sub_[0-9A-Z]{26}$/);
    expect(new Date(subscription.createdAt).toISOString()).toBe(subscription.createdAt);
    expect(Object.keys(subscription)).not.toContain('secrets');
    expect(subscription.rotation).toBeUndefined();

    const got = await teamA.request<{ subscription: PublicSubscription }>(
      'GET',
      `/webhooks/subscriptions/${subscription.id}`,
    );
    expect(got).toEqual({ status: 200, body: { subscription } });
    const listed = await teamA.request('GET', '/webhooks/subscriptions');
    expect(listed).toEqual({ status: 200, body: { subscriptions: [subscription] } });
    const material = secret.slice('whsec_'.length);
    for (const text of [JSON.stringify(got.body), JSON.stringify(listed.body)]) {
      expect(text).not.toContain(material);
      expect(text).not.toContain('pfs1.');
    }

    const stored = await everythingStored();
    expect(stored).toContain(subscription.id);
    expect(stored).not.toContain(material);
    expect(stored).not.toContain(Buffer.from(material, 'base64').toString('hex'));
    // What is stored is the sealed secret, and it opens (with the operator's key) to the one answered.
    const record = (await api.subscriptions.get(subscription.id)) as Subscription;
    expect(record.secrets.current).toMatch(/^pfs1\.k1\./);
    expect(openActiveSecrets(api.app.get(WebhookSettings).keyring(), record, Date.now())).toEqual([secret]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a URL that is not one', { url: 'not a url' }, /url: "not a url" is not a URL/],
    ['a URL of another scheme', { url: 'ftp://hooks.example.org/x' }, /url: must be an http:\/\/ or https:\/\/ URL/],
    ['a URL with credentials', { url: 'https://user:pw@hooks.example.org/' }, /url: must not carry a user name/],
    [
      'a glob with ** inside a segment',
      { images: ['examples/a**b'] },
      /images\.0: .*\*\* must be a whole path segment/,
    ],
    ['a glob of other characters', { images: ['examples/<script>'] }, /images\.0: .* may hold only/],
    ['a tag glob with a space', { tags: ['8 *'] }, /tags\.0: may hold only/],
    ['an unknown event type', { eventTypes: ['image.deleted'] }, /eventTypes\.0/],
    ['an unknown severity', { minSeverity: 'urgent' }, /minSeverity/],
    [
      'a control character',
      { description: 'redis\u0007 updates' },
      /description: must not hold control or bidi characters/,
    ],
    [
      'a bidi override',
      { description: 'redis \u202egnp.exe' },
      /description: must not hold control or bidi characters/,
    ],
    ['an unknown field', { owner: 'team-b' }, /owner/],
    ['the cloud metadata address', { url: 'https://169.254.169.254/latest/meta-data' }, /url: .*blocked range/],
    ['a private address', { url: 'https://10.1.2.3/hook' }, /url: .*10\.1\.2\.3, in the blocked range/],
    ['IPv6 loopback', { url: 'https://[::1]:8443/hook' }, /url: .*blocked range/],
    ['an IPv4-mapped loopback', { url: 'https://[::ffff:127.0.0.2]/hook' }, /url: .*blocked range/],
    ['loopback as a decimal number', { url: 'https://2130706434/hook' }, /url: .*127\.0\.0\.2, in the blocked range/],
    ['http to a public address', { url: 'http://1.1.1.1/hook' }, /url: .*http is allowed only to allow-listed/],
    ['a secret of its own', { secret: 'whsec_mine' }, /secret/],
  ])('refuses %s with 400 naming the field, storing nothing', async (_what, extra, message) => {
    const before = (await api.subscriptions.list()).length;
    const res = await teamA.request<ErrorBody>('POST', '/webhooks/subscriptions', input(extra));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('webhook-subscription-invalid');
    expect(res.body.error.message).toMatch(message);
    expect(await api.subscriptions.list()).toHaveLength(before);
  });

  it('accepts an allow-listed receiver on premises, over http too', async () => {
    const { subscription } = await create(teamA, { url: 'http://127.0.0.1:9/hook' });
    expect(subscription.url).toBe('http://127.0.0.1:9/hook');
    const moved = await teamA.request<ErrorBody>('PATCH', `/webhooks/subscriptions/${subscription.id}`, {
      url: 'http://127.0.0.2:9/hook',
    });
    expect(moved.status).toBe(400);
    expect(moved.body.error.message).toMatch(/url: .*blocked range/);
  });

  it('refuses a body that is not an object, and a token without the webhooks scope', async () => {
    const res = await teamA.request<ErrorBody>('POST', '/webhooks/subscriptions', undefined, '["https://x.example"]');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('webhook-subscription-invalid');
    const refused = await reader.request<ErrorBody>('POST', '/webhooks/subscriptions', input());
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('insufficient-scope');
  });
});

describe('owners', () => {
  it('sees only its own subscriptions; another owner’s answers 404 like a missing one; admin sees all', async () => {
    const mine = (await create(teamA, { description: 'team a' })).subscription;
    const theirs = (await create(teamB, { description: 'team b' })).subscription;
    expect(theirs.owner).toBe('team-b');

    const ids = async (client: ApiClient) =>
      (
        await client.request<{ subscriptions: PublicSubscription[] }>('GET', '/webhooks/subscriptions')
      ).body.subscriptions.map((s) => s.id);
    expect(await ids(teamA)).toContain(mine.id);
    expect(await ids(teamA)).not.toContain(theirs.id);
    expect(await ids(teamB)).toEqual([theirs.id]);
    expect(await ids(api.admin)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    // A token of the same name (a replacement, read only) sees the team's subscriptions.
    expect(await ids(reader)).toContain(mine.id);

    const missing = 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
    const attempts: [string, string, unknown?][] = [
      ['GET', ''],
      ['PATCH', '', { description: 'taken over' }],
      ['DELETE', ''],
      ['POST', '/rotate', {}],
      ['POST', '/replay', { since: '2026-01-01T00:00:00Z' }],
    ];
    for (const [method, tail, body] of attempts) {
      const other = await teamB.request<ErrorBody>(method, `/webhooks/subscriptions/${mine.id}${tail}`, body);
      const none = await teamB.request<ErrorBody>(method, `/webhooks/subscriptions/${missing}${tail}`, body);
      expect({ method, tail, status: other.status, code: other.body.error.code }).toEqual({
        method,
        tail,
        status: 404,
        code: 'webhook-subscription-not-found',
      });
      expect(other.body.error.message.replace(mine.id, missing)).toBe(none.body.error.message);
    }
    // Nothing was changed by the refused calls.
    const after = await teamA.request<{ subscription: PublicSubscription }>(
      'GET',
      `/webhooks/subscriptions/${mine.id}`,
    );
    expect(after.body.subscription).toEqual(mine);
    // An admin may read and change any.
    expect((await api.admin.request('GET', `/webhooks/subscriptions/${theirs.id}`)).status).toBe(200);
  });

  it('answers 400 for an id that is not a subscription id', async () => {
    const res = await teamA.request<ErrorBody>('GET', '/webhooks/subscriptions/..%2Fsecrets');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/expected a subscription id/);
  });
});

describe('rotating the secret', () => {
  it('answers a new secret; the previous one keeps signing until rotation.previousExpiresAt', async () => {
    const { subscription, secret: first } = await create(teamA);
    const before = Date.now();
    const res = await teamA.request<Created>('POST', `/webhooks/subscriptions/${subscription.id}/rotate`, {
      overlapSeconds: 3600,
    });
    const after = Date.now();
    expect(res.status).toBe(200);
    const { secret, subscription: rotated } = res.body;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(first);
    const expires = Date.parse(rotated.rotation!.previousExpiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(expires).toBeLessThanOrEqual(after + 3_600_000);
    const record = (await api.subscriptions.get(subscription.id)) as Subscription;
    const ring = api.app.get(WebhookSettings).keyring();
    expect(openActiveSecrets(ring, record, after)).toEqual([secret, first]);
    expect(openActiveSecrets(ring, record, expires)).toEqual([secret]);
    // GET shows the rotation, never a secret.
    const got = await teamA.request<{ subscription: PublicSubscription }>(
      'GET',
      `/webhooks/subscriptions/${subscription.id}`,
    );
    expect(got.body.subscription.rotation).toEqual(rotated.rotation);
    expect(JSON.stringify(got.body)).not.toContain(secret.slice(6));
    expect(await everythingStored()).not.toContain(secret.slice(6));

    // Overlap 0 drops the previous secret at once; the default keeps it 24 h.
    const now = await teamA.request<Created>('POST', `/webhooks/subscriptions/${subscription.id}/rotate`, {
      overlapSeconds: 0,
    });
    expect(now.body.subscription.rotation).toBeUndefined();
    const byDefault = await teamA.request<Created>('POST', `/webhooks/subscriptions/${subscription.id}/rotate`);
    expect(Date.parse(byDefault.body.subscription.rotation!.previousExpiresAt)).toBeGreaterThanOrEqual(
      before + 86_400_000,
    );
  });

  it.each([[-1], [8 * 86_400], [1.5], ['60']])('refuses overlapSeconds %j', async (overlapSeconds) => {
    const { subscription } = await create(teamA);
    const res = await teamA.request<ErrorBody>('POST', `/webhooks/subscriptions/${subscription.id}/rotate`, {
      overlapSeconds,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/overlapSeconds/);
  });
});

describe('updating and deleting', () => {
  it('changes the filters, removes minSeverity with null, pauses and enables again', async () => {
    const { subscription } = await create(teamA);
    const path = `/webhooks/subscriptions/${subscription.id}`;
    const changed = await teamA.request<{ subscription: PublicSubscription }>('PATCH', path, {
      images: ['examples/valkey'],
      minSeverity: null,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.subscription).toMatchObject({ images: ['examples/valkey'], tags: ['8.*'], enabled: true });
    expect(changed.body.subscription.minSeverity).toBeUndefined();

    const paused = await teamA.request<{ subscription: PublicSubscription }>('PATCH', path, { enabled: false });
    expect(paused.body.subscription).toMatchObject({ enabled: false, disabled: { reason: 'paused by team-a' } });
    const enabled = await teamA.request<{ subscription: PublicSubscription }>('PATCH', path, { enabled: true });
    expect(enabled.body.subscription.enabled).toBe(true);
    expect(enabled.body.subscription.disabled).toBeUndefined();
    expect((await api.subscriptions.get(subscription.id))?.enabled).toBe(true);

    // The notifier disabled it (a 410): enabled: true brings it back.
    await api.subscriptions.disable(subscription.id, 'the receiver answered 410 Gone', Date.now());
    const gone = await teamA.request<{ subscription: PublicSubscription }>('GET', path);
    expect(gone.body.subscription.disabled?.reason).toBe('the receiver answered 410 Gone');
    expect(
      (await teamA.request<{ subscription: PublicSubscription }>('PATCH', path, { enabled: true })).body.subscription
        .enabled,
    ).toBe(true);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown field', { secrets: { current: 'x' } }, /secrets/],
    ['enabled that is not a boolean', { enabled: 'yes' }, /enabled: must be true or false/],
    ['a bad URL', { url: 'http://' }, /url/],
    ['a control character', { description: 'a\u0000b' }, /description/],
  ])('refuses a change with %s (400 naming it), changing nothing', async (_what, body, message) => {
    const { subscription } = await create(teamA);
    const res = await teamA.request<ErrorBody>('PATCH', `/webhooks/subscriptions/${subscription.id}`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
    expect(
      (await teamA.request<{ subscription: PublicSubscription }>('GET', `/webhooks/subscriptions/${subscription.id}`))
        .body.subscription,
    ).toEqual(subscription);
  });

  it('deletes with 204; then it is gone', async () => {
    const { subscription } = await create(teamA);
    const path = `/webhooks/subscriptions/${subscription.id}`;
    expect((await teamA.request('DELETE', path)).status).toBe(204);
    expect((await teamA.request('GET', path)).status).toBe(404);
    expect((await teamA.request('DELETE', path)).status).toBe(404);
    expect(await api.subscriptions.get(subscription.id)).toBeUndefined();
  });
});

describe('without a secret-sealing key', () => {
  it('refuses to subscribe with 503, saying which setting to set', async () => {
    const bare = await startWebhooksApi({ PF_WEBHOOK_SECRET_KEYS: undefined });
    try {
      const res = await bare.admin.request<ErrorBody>('POST', '/webhooks/subscriptions', input());
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('webhook-secret-keys-missing');
      expect(res.body.error.message).toMatch(/PF_WEBHOOK_SECRET_KEYS: is not set/);
      expect(await bare.subscriptions.list()).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});
