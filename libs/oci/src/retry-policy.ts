/** How one registry request is retried on 429, 5xx and connection failures. */
export interface RetryOptions {
  /** Most attempts of one request, the first included (default 5, at least 1). */
  attempts?: number;
  /** First backoff delay (default 200 ms), doubled at each attempt, with jitter. */
  baseDelayMs?: number;
  /** Largest backoff delay (default 10 s). */
  maxDelayMs?: number;
  /** Largest `Retry-After` honoured (default 60 s): a longer one is cut to this. */
  maxRetryAfterMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

/** The options with their defaults, bounded. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const clamp = (v: number | undefined, fallback: number, min: number, max: number) =>
    Math.min(max, Math.max(min, Number.isFinite(v) ? (v as number) : fallback));
  return {
    attempts: Math.floor(clamp(options.attempts, 5, 1, 100)),
    baseDelayMs: clamp(options.baseDelayMs, 200, 0, 60_000),
    maxDelayMs: clamp(options.maxDelayMs, 10_000, 0, 600_000),
    maxRetryAfterMs: clamp(options.maxRetryAfterMs, 60_000, 0, 3_600_000),
  };
}

/** Delay before attempt `failures + 1` (failures ≥ 1): exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** A `Retry-After` header in ms (delta-seconds or an HTTP date), capped; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, maxMs: number, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (value.length === 0 || value.length > 64) return undefined;
  if (/^\d+$/.test(value)) return Math.min(maxMs, Number(value) * 1000);
  const at = Date.parse(value);
  if (!Number.isFinite(at) || !/[a-z]/i.test(value)) return undefined;
  return Math.min(maxMs, Math.max(0, at - now));
}

/** Wait `ms`, or reject with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
