import { abortableSleep, backoffDelay, parseRetryAfter, retryPolicy } from './retry-policy';

describe('retry policy', () => {
  it('defaults to 5 attempts and bounds what it is given', () => {
    expect(retryPolicy().attempts).toBe(5);
    expect(retryPolicy({ attempts: 0 }).attempts).toBe(1);
    expect(retryPolicy({ attempts: 1e9 }).attempts).toBe(100);
  });

  it('backs off exponentially with jitter, capped', () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(30, policy, () => 1)).toBe(1000);
    expect(backoffDelay(30, policy, () => 0)).toBe(500);
  });

  it('reads Retry-After as seconds or an HTTP date, capped', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('0', 60_000, now)).toBe(0);
    expect(parseRetryAfter('3', 60_000, now)).toBe(3000);
    expect(parseRetryAfter('86400', 60_000, now)).toBe(60_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', 60_000, now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', 60_000, now)).toBe(0);
    expect(parseRetryAfter('soon', 60_000, now)).toBeUndefined();
    expect(parseRetryAfter('-1', 60_000, now)).toBeUndefined();
    expect(parseRetryAfter(null, 60_000, now)).toBeUndefined();
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const waiting = abortableSleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
