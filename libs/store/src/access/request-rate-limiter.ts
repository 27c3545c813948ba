import type { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  /** Requests left in the current window (0 when refused). */
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/**
 * Requests per token per minute, counted in Redis (so every API replica shares one budget): a
 * fixed one-minute window per token, one INCR and, on its first request, a PEXPIRE.
 */
export class RequestRateLimiter {
  static readonly WINDOW_MS = 60_000;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly perMinute: number,
  ) {}

  async take(tokenId: string, now = Date.now()): Promise<RateDecision> {
    const window = Math.floor(now / RequestRateLimiter.WINDOW_MS);
    const key = `${this.prefix}:access:rate:${tokenId}:${window}`;
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, RequestRateLimiter.WINDOW_MS * 2).exec()) as [[unknown, number], unknown];
    const resetMs = (window + 1) * RequestRateLimiter.WINDOW_MS - now;
    return { allowed: count <= this.perMinute, remaining: Math.max(0, this.perMinute - count), resetMs };
  }
}
