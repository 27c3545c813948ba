import { Redis } from 'ioredis';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { RequestRateLimiter } from './request-rate-limiter';

describe('RequestRateLimiter on real Redis', () => {
  const prefix = testPrefix();
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  // Mid-window, so that the test's requests all fall in one window.
  const now = (Math.floor(Date.now() / 60_000) + 0.5) * 60_000;

  it('refuses a token past its budget in the window, with the time to the next one, and leaves other tokens alone', () => {
    const limiter = new RequestRateLimiter(redis, prefix, 3);
    const taken = Array.from({ length: 5 }, () => limiter.take('aaaa', now).allowed);
    expect(taken).toEqual([true, true, true, false, false]);
    expect(limiter.take('aaaa', now).resetMs).toBe(30_000);
    expect(limiter.take('bbbb', now).allowed).toBe(true);
    // The next window starts afresh.
    expect(limiter.take('aaaa', now + 60_000).allowed).toBe(true);
  });

  it('shares one budget between replicas through Redis (each learns the others at its next flush)', async () => {
    const a = new RequestRateLimiter(redis, prefix, 8);
    const b = new RequestRateLimiter(redis, prefix, 8);
    const t = Date.now();
    for (let i = 0; i < 5; i++) expect(a.take('shared', t).allowed).toBe(true);
    await a.flush();
    expect(b.take('shared', t).allowed).toBe(true);
    await b.flush(); // b now knows of a's 5: 6 used
    expect([b.take('shared', t).allowed, b.take('shared', t).allowed, b.take('shared', t).allowed]).toEqual([
      true,
      true,
      false,
    ]);
    await b.flush();
    // a has not flushed since: it still sees its own 5 and admits one more (the documented
    // overrun: what a replica admits before its next flush), then knows the budget is spent.
    expect(a.take('shared', t).allowed).toBe(true);
    await a.flush();
    expect(a.take('shared', t).allowed).toBe(false);
    const key = `${prefix}:access:rate:shared:${Math.floor(t / 60_000)}`;
    expect(Number(await redis.get(key))).toBe(9);
  });
});
