import { randomBytes } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import { openActiveSecrets } from './secret-rotation';
import { parseSecretKey } from './sealed-secret';
import { disableSubscription, enableSubscription, newSubscription, updateSubscription } from './subscription-lifecycle';
import { parseSubscriptionInput, parseSubscriptionUpdate, SubscriptionSchema } from './subscription.schema';

const ring = parseSecretKey(`k1:${randomBytes(32).toString('base64')}`);
const ID = 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
const T0 = Date.UTC(2026, 11, 7);
const SOURCE = '/patch-factory/test';

const created = () =>
  newSubscription(ring, {
    id: ID,
    owner: 'team-a',
    input: parseSubscriptionInput({
      url: 'https://hooks.example.org/p/SECRET-TOKEN?t=1',
      images: ['examples/**'],
      minSeverity: 'high',
    }),
    now: T0,
  });

describe('subscription lifecycle', () => {
  it('creates an enabled, schema-valid subscription whose stored secret opens to the one shown once', () => {
    const { subscription, secret } = created();
    expect(SubscriptionSchema.parse(subscription)).toEqual(subscription);
    expect(subscription).toMatchObject({
      id: ID,
      owner: 'team-a',
      enabled: true,
      images: ['examples/**'],
      minSeverity: 'high',
      createdAt: T0,
    });
    expect(JSON.stringify(subscription)).not.toContain(secret.slice(6));
    expect(openActiveSecrets(ring, subscription, T0)).toEqual([secret]);
  });

  it('applies an update; minSeverity null removes it; absent fields stay', () => {
    const { subscription } = created();
    const changed = updateSubscription(
      subscription,
      parseSubscriptionUpdate({ tags: ['8.*'], minSeverity: null }),
      T0 + 5,
    );
    expect(changed).toMatchObject({ tags: ['8.*'], images: ['examples/**'], url: subscription.url, updatedAt: T0 + 5 });
    expect(changed).not.toHaveProperty('minSeverity');
    expect(updateSubscription(subscription, parseSubscriptionUpdate({}), T0 + 6).minSeverity).toBe('high');
    expect(() => parseSubscriptionUpdate({ url: 'ftp://x/' })).toThrow(/subscription: url: must be an http/);
    expect(() => parseSubscriptionUpdate({ secrets: {} })).toThrow(/Unrecognized key/);
  });

  it('disables with a subscription.disabled event naming the host only; disabling again gives the same event', () => {
    const { subscription } = created();
    const first = disableSubscription(subscription, 'HTTP 410\u0000 Gone\n'.repeat(200), T0 + 10, SOURCE);
    expect(first.subscription).toMatchObject({ enabled: false, disabled: { since: T0 + 10 } });
    expect(first.subscription.disabled!.reason.length).toBeLessThanOrEqual(1001);
    expect(SubscriptionSchema.safeParse(first.subscription).success).toBe(true);
    expect(() => new CloudEvent<unknown>({ ...first.event }, true)).not.toThrow();
    expect(first.event.data).toMatchObject({
      subscription: ID,
      host: 'hooks.example.org',
      since: new Date(T0 + 10).toISOString(),
    });
    expect(JSON.stringify(first.event)).not.toContain('SECRET-TOKEN');
    const again = disableSubscription(first.subscription, 'another reason', T0 + 99, SOURCE);
    expect(again.subscription).toBe(first.subscription);
    expect(again.event).toEqual(first.event);
    const enabled = enableSubscription(first.subscription, T0 + 100);
    expect(enabled).toMatchObject({ enabled: true, updatedAt: T0 + 100 });
    expect(enabled).not.toHaveProperty('disabled');
    expect(disableSubscription(enabled, 'later', T0 + 200, SOURCE).event.id).not.toBe(first.event.id);
  });
});
