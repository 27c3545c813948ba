import type { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  /** Requests left in the current window as this process knows it (0 when refused). */
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

interface TokenWindow {
  window: number;
  /** The window's count in Redis after this process's last flush (every replica's requests). */
  shared: number;
  /** Requests this process admitted since its last flush. */
  pending: number;
}

/**
 * Requests per token per minute (a fixed one-minute window), shared by every replica through
 * Redis without a Redis write per request: each process counts locally and adds its count to
 * the window's Redis counter every FLUSH_MS (INCRBY, which answers the count of every replica),
 * so a request costs no round trip and no fsync. A replica learns the others' requests within
 * FLUSH_MS: the budget can be overrun by at most what the other replicas admit in that time.
 */
export class RequestRateLimiter {
  static readonly WINDOW_MS = 60_000;
  static readonly FLUSH_MS = 200;
  private readonly windows = new Map<string, TokenWindow>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly perMinute: number,
  ) {}

  take(tokenId: string, now = Date.now()): RateDecision {
    const window = Math.floor(now / RequestRateLimiter.WINDOW_MS);
    let w = this.windows.get(tokenId);
    if (!w || w.window !== window) {
      w = { window, shared: 0, pending: 0 };
      this.windows.set(tokenId, w);
    }
    const resetMs = (window + 1) * RequestRateLimiter.WINDOW_MS - now;
    const used = w.shared + w.pending;
    if (used >= this.perMinute) return { allowed: false, remaining: 0, resetMs };
    w.pending++;
    this.timer ??= setTimeout(() => void this.flush(), RequestRateLimiter.FLUSH_MS).unref();
    return { allowed: true, remaining: this.perMinute - used - 1, resetMs };
  }

  /** Adds this process's counts to Redis and learns every replica's (also called on a timer). */
  async flush(): Promise<void> {
    this.timer = undefined;
    if (this.flushing) await this.flushing;
    this.flushing = this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const current = Math.floor(Date.now() / RequestRateLimiter.WINDOW_MS);
    const batch = [...this.windows].filter(([, w]) => w.pending > 0);
    for (const [id, w] of this.windows) if (w.window < current && w.pending === 0) this.windows.delete(id);
    if (batch.length === 0) return;
    const multi = this.redis.multi();
    const sent = batch.map(([id, w]) => {
      const key = `${this.prefix}:access:rate:${id}:${w.window}`;
      multi.incrby(key, w.pending).pexpire(key, RequestRateLimiter.WINDOW_MS * 2);
      const n = w.pending;
      w.pending = 0;
      return { w, n };
    });
    try {
      const results = (await multi.exec()) ?? [];
      sent.forEach(({ w }, i) => {
        const total = Number(results[i * 2]?.[1]);
        if (Number.isFinite(total)) w.shared = Math.max(w.shared, total);
      });
    } catch {
      // Redis away: keep the counts to send with the next flush.
      for (const { w, n } of sent) w.pending += n;
      this.timer ??= setTimeout(() => void this.flush(), RequestRateLimiter.FLUSH_MS).unref();
    }
  }
}
