import { sharedRedisUrl } from '@patch-factory/testing';
import { createRedis } from './redis-connection';
import { redactRedisUrl, waitUntilReady } from './redis-lifecycle';

describe('connecting to Redis with the credentials of PF_REDIS_URL (issue 14)', () => {
  it('never shows the password of PF_REDIS_URL', () => {
    expect(redactRedisUrl('redis://pf:0123abcd@127.0.0.1:6379')).toBe('redis://***@127.0.0.1:6379');
    expect(redactRedisUrl('rediss://:only-a-password@10.0.0.1:6380/2')).toBe('rediss://***@10.0.0.1:6380/2');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('fails at once, naming the refusal but not the password, when the shared Redis refuses the credentials', async () => {
    const shared = new URL(sharedRedisUrl());
    const wrong = `redis://pf:not-the-password-0123@${shared.host}`;
    for (const url of [wrong, `redis://${shared.host}`]) {
      const redis = createRedis(url, 'producer', 'pf:test-auth');
      try {
        const error = await waitUntilReady(redis, 30_000, url).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error?.message).toMatch(
          /^Redis at redis:\/\/(\*\*\*@)?127\.0\.0\.1:\d+ refused the credentials of PF_REDIS_URL \((WRONGPASS|NOAUTH)\)/,
        );
        expect(error?.message).not.toContain('not-the-password-0123');
      } finally {
        redis.disconnect();
      }
    }
  });

  it('connects with the credentials ./factory exports', async () => {
    const redis = createRedis(sharedRedisUrl(), 'producer', 'pf:test-auth');
    try {
      await waitUntilReady(redis, 30_000, sharedRedisUrl());
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});
