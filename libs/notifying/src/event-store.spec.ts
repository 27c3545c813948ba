import { Redis } from 'ioredis';
import { subscriptionDisabledEvent } from '@patch-factory/contracts';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { EventStore } from './event-store';
import { imageEvent } from './notifier.fixture';
import { WebhookKeys } from './webhook-keys';

/** The event store in real Redis: each event stored once by id, image events in the feed stream, records checked on read. */
describe('EventStore (real Redis)', () => {
  const url = sharedRedisUrl();
  let prefix: string;
  let redis: Redis;
  let store: EventStore;

  beforeEach(() => {
    prefix = testPrefix();
    redis = new Redis(url, { maxRetriesPerRequest: null });
    store = new EventStore(redis, prefix);
  });

  afterEach(async () => {
    await dropPrefix(url, prefix);
    redis.disconnect();
  });

  it('stores an event once by its id, with its audience, and reads it back checked', async () => {
    const event = imageEvent(1);
    expect(await store.store(event, 1_000)).toBe(true);
    expect(await store.store(event, 2_000)).toBe(false);
    expect(await store.get(event.id)).toEqual({ event, storedAt: 1_000 });
    const disabled = subscriptionDisabledEvent(
      {
        subscription: 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9',
        host: 'hooks.example.org',
        reason: '410',
        since: new Date(5).toISOString(),
      },
      { source: '/patch-factory/test' },
    );
    await store.store(disabled, 3_000, { owner: 'team-a', except: 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9' });
    expect(await store.get(disabled.id)).toEqual({
      event: disabled,
      audience: { owner: 'team-a', except: 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9' },
      storedAt: 3_000,
    });
    expect(await store.get('nope')).toBeUndefined();
    expect(await redis.ttl(new WebhookKeys(prefix).event(event.id))).toBeGreaterThan(29 * 86_400);
  });

  it('feeds show the image events only, newest first, each once', async () => {
    const events = [imageEvent(1, 'redis', { published: true }), imageEvent(2, 'nginx'), imageEvent(3, 'redis')];
    for (const e of events) await store.store(e, 1);
    await store.store(events[0]!, 2);
    await store.store(
      subscriptionDisabledEvent(
        { subscription: 'sub_01J0Z3W2Y8K8Q0X1V5T6R7S8P9', host: 'h', reason: 'r', since: new Date(5).toISOString() },
        { source: '/patch-factory/test' },
      ),
      3,
    );
    expect((await store.recentImageEvents(10)).map((e) => e.id)).toEqual([...events].reverse().map((e) => e.id));
    expect((await store.recentImageEvents(2)).map((e) => e.id)).toEqual([events[2]!.id, events[1]!.id]);
  });

  it('names a stored record that does not parse', async () => {
    const keys = new WebhookKeys(prefix);
    await redis.set(keys.event('bad-json'), '{');
    await expect(store.get('bad-json')).rejects.toThrow(/event bad-json: is not JSON/);
    await redis.set(keys.event('bad-event'), JSON.stringify({ event: { specversion: '0.3' }, storedAt: 1 }));
    await expect(store.get('bad-event')).rejects.toMatchObject({ code: 'webhook-record-invalid' });
  });
});
