import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { openActiveSecrets, openSecret } from '@patch-factory/webhooks';
import { notifierEnv } from './notifier.fixture';
import { SubscriptionRepository } from './subscription.repository';
import { WebhookKeys } from './webhook-keys';
import { WebhookSettings } from './webhook-settings';

/** The subscriptions in real Redis: sealed secrets, compare-and-set changes, lists and removal. */
describe('SubscriptionRepository (real Redis)', () => {
  const url = sharedRedisUrl();
  let prefix: string;
  let redis: Redis;
  let settings: WebhookSettings;
  let repo: SubscriptionRepository;
  let keys: WebhookKeys;
  const T0 = Date.UTC(2026, 11, 7, 20, 0, 0);

  beforeEach(() => {
    prefix = testPrefix();
    redis = new Redis(url, { maxRetriesPerRequest: null });
    settings = new WebhookSettings(loadConfig(notifierEnv(prefix)));
    repo = new SubscriptionRepository(redis, prefix, settings);
    keys = new WebhookKeys(prefix);
  });

  afterEach(async () => {
    await dropPrefix(url, prefix);
    redis.disconnect();
  });

  const input = (over: Record<string, unknown> = {}) => ({
    url: 'https://hooks.example.org/in/TOKEN123',
    description: 'ops',
    eventTypes: [] as never[],
    images: [] as string[],
    tags: [] as string[],
    ...over,
  });

  it('create returns the plain secret once; Redis holds only the sealed one', async () => {
    const { subscription, secret } = await repo.create(input(), 'team-a', T0);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    expect(subscription.secrets.current).toMatch(/^pfs1\./);
    const raw = (await redis.get(keys.subscription(subscription.id))) as string;
    expect(raw).toContain(subscription.secrets.current);
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain(secret.slice('whsec_'.length));
    // The sealed one opens to the secret with the key only.
    expect(openSecret(settings.keyring(), subscription.id, subscription.secrets.current)).toBe(secret);
    const read = await repo.get(subscription.id);
    expect(read).toEqual(subscription);
    expect(JSON.stringify(read)).not.toContain(secret);
    expect(await redis.zscore(keys.subscriptions(), subscription.id)).toBe(String(T0));
  });

  it('update, rotate, disable and enable change what they should and keep the rest', async () => {
    const { subscription, secret } = await repo.create(input(), 'team-a', T0);
    const updated = await repo.update(
      subscription.id,
      { description: 'new', images: ['examples/*'], minSeverity: 'high' },
      T0 + 1,
    );
    expect(updated).toMatchObject({
      description: 'new',
      images: ['examples/*'],
      minSeverity: 'high',
      updatedAt: T0 + 1,
    });
    expect(updated.secrets).toEqual(subscription.secrets);
    const cleared = await repo.update(subscription.id, { minSeverity: null }, T0 + 2);
    expect(cleared.minSeverity).toBeUndefined();

    const rotated = await repo.rotate(subscription.id, T0 + 3, 60_000);
    expect(rotated.secret).not.toBe(secret);
    const raw = (await redis.get(keys.subscription(subscription.id))) as string;
    expect(raw).not.toContain(rotated.secret);
    expect(raw).not.toContain(secret);
    expect(openActiveSecrets(settings.keyring(), rotated.subscription, T0 + 3)).toEqual([rotated.secret, secret]);
    expect(openActiveSecrets(settings.keyring(), rotated.subscription, T0 + 3 + 60_000)).toEqual([rotated.secret]);

    const { subscription: disabled, event } = await repo.disable(subscription.id, 'the endpoint answered 410', T0 + 4);
    expect(disabled).toMatchObject({
      enabled: false,
      disabled: { reason: 'the endpoint answered 410', since: T0 + 4 },
    });
    expect(event.type).toBe('dev.patch-factory.subscription.disabled');
    expect(event.data).toMatchObject({ subscription: subscription.id, host: 'hooks.example.org' });
    expect(JSON.stringify(event)).not.toContain('TOKEN123');
    // Disabling again keeps the first reason and gives the same event.
    const again = await repo.disable(subscription.id, 'other', T0 + 5);
    expect(again.subscription.disabled).toEqual(disabled.disabled);
    expect(again.event.id).toBe(event.id);

    await redis.set(keys.failingSince(subscription.id), String(T0));
    const enabled = await repo.enable(subscription.id, T0 + 6);
    expect(enabled.enabled).toBe(true);
    expect(enabled.disabled).toBeUndefined();
    expect(await redis.exists(keys.failingSince(subscription.id))).toBe(0);
    expect(await repo.get(subscription.id)).toEqual(enabled);
  });

  it('two concurrent rotations both land (compare-and-set): the final previous secret is one of the rotated ones', async () => {
    const { subscription, secret } = await repo.create(input(), 'team-a', T0);
    // Two repositories on two connections, as two API replicas.
    const other = redis.duplicate();
    try {
      const repo2 = new SubscriptionRepository(other, prefix, settings);
      const [a, b] = await Promise.all([
        repo.rotate(subscription.id, T0 + 10, 60_000),
        repo2.rotate(subscription.id, T0 + 10, 60_000),
      ]);
      expect(a.secret).not.toBe(b.secret);
      const final = await repo.require(subscription.id);
      const active = openActiveSecrets(settings.keyring(), final, T0 + 10);
      // One rotation came after the other: the current is the later one's, the previous the earlier one's.
      expect(active).toHaveLength(2);
      expect([a.secret, b.secret]).toContain(active[0]);
      expect([a.secret, b.secret]).toContain(active[1]);
      expect(active).not.toContain(secret);
    } finally {
      other.disconnect();
    }
  });

  it('many concurrent updates lose no change', async () => {
    const { subscription } = await repo.create(input(), 'team-a', T0);
    const rotations = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        new SubscriptionRepository(redis, prefix, settings).rotate(subscription.id, T0 + i, 60_000),
      ),
    );
    const final = await repo.require(subscription.id);
    const current = openActiveSecrets(settings.keyring(), final, T0)[0];
    expect(rotations.map((r) => r.secret)).toContain(current);
  });

  it('lists by owner (oldest first), removes, and names a missing subscription', async () => {
    const a1 = await repo.create(input(), 'team-a', T0);
    const b1 = await repo.create(input(), 'team-b', T0 + 1);
    const a2 = await repo.create(input(), 'team-a', T0 + 2);
    expect((await repo.list()).map((s) => s.id)).toEqual([a1, b1, a2].map((x) => x.subscription.id));
    expect((await repo.list({ owner: 'team-a' })).map((s) => s.id)).toEqual([a1, a2].map((x) => x.subscription.id));
    // Its endpoint's state goes with it.
    const keys = new WebhookKeys(prefix);
    const id1 = a1.subscription.id;
    await redis.set(keys.failingSince(id1), String(T0));
    await redis.zadd(keys.inflight(id1), T0 + 30_000, 'dlv_x.1');
    await redis.zadd(keys.waiting(id1), T0, 'dlv_y');
    expect(await repo.remove(id1)).toBe(true);
    expect(await redis.exists(keys.failingSince(id1), keys.inflight(id1), keys.waiting(id1))).toBe(0);
    expect(await repo.remove(a1.subscription.id)).toBe(false);
    expect(await repo.get(a1.subscription.id)).toBeUndefined();
    expect((await repo.list({ owner: 'team-a' })).map((s) => s.id)).toEqual([a2.subscription.id]);
    await expect(repo.rotate(a1.subscription.id, T0)).rejects.toThrow(
      new RegExp(`subscription ${a1.subscription.id}: no such subscription`),
    );
    await expect(repo.require(a1.subscription.id)).rejects.toMatchObject({ code: 'webhook-subscription-not-found' });
  });
});
