/**
 * When to try a delivery again. The base schedule is the Standard Webhooks / Svix one: the first
 * attempt at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the previous failure:
 * 8 attempts over 27 h 35 min 5 s. Jitter only lengthens a delay (by up to JITTER, 20 %), so the
 * total never drops below the base (at least 27 h) and stays under 1.2 × base (33 h 6 min).
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The delay before each attempt: index 0 is the first attempt (immediately). */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
];
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length;
/** The largest fraction a delay is lengthened by. */
export const JITTER = 0.2;
/** A receiver's Retry-After is honoured up to this (a day): beyond, the schedule's own delay stands. */
export const RETRY_AFTER_CAP_MS = DAY;
/** An endpoint whose deliveries have all failed for this long is disabled. */
export const ENDPOINT_DISABLE_AFTER_MS = 5 * DAY;

/**
 * The delay (ms) before the next attempt, after `attemptsMade` attempts (1 … MAX_ATTEMPTS) failed;
 * undefined when the attempts are exhausted (then the delivery is a dead letter). `random` is a
 * number in [0, 1) (pure: the caller draws it); out of range it is clamped.
 */
export function nextAttemptDelay(attemptsMade: number, random: number): number | undefined {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) {
    throw new RangeError(`attemptsMade must be an integer >= 1, not ${attemptsMade}`);
  }
  const base = RETRY_SCHEDULE_MS[attemptsMade];
  if (base === undefined) return undefined;
  const r = Number.isFinite(random) ? Math.min(Math.max(random, 0), 1) : 0;
  return Math.round(base * (1 + JITTER * r));
}

/**
 * The delay after a failed or throttled attempt: the schedule's, or the receiver's Retry-After
 * when it is larger (capped at RETRY_AFTER_CAP_MS); undefined when the attempts are exhausted
 * (a Retry-After does not add attempts).
 */
export function retryDelay(attemptsMade: number, random: number, retryAfterMs?: number): number | undefined {
  const scheduled = nextAttemptDelay(attemptsMade, random);
  if (scheduled === undefined) return undefined;
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return scheduled;
  return Math.max(scheduled, Math.min(Math.max(retryAfterMs, 0), RETRY_AFTER_CAP_MS));
}

/**
 * True when an endpoint has failed every delivery since `firstFailureAt` (its oldest failure with
 * no success after it; undefined when its last delivery succeeded) for 5 days or more.
 */
export function shouldDisableEndpoint(firstFailureAt: Date | number | undefined, now: Date | number): boolean {
  if (firstFailureAt === undefined) return false;
  return Number(now) - Number(firstFailureAt) >= ENDPOINT_DISABLE_AFTER_MS;
}

/**
 * The receiver's Retry-After header in ms from `nowMs`: delay-seconds (digits) or an HTTP-date;
 * undefined when absent or malformed; a date in the past is 0; capped at `capMs`.
 */
export function parseRetryAfter(
  value: string | undefined,
  nowMs: number,
  capMs: number = RETRY_AFTER_CAP_MS,
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,12}$/.test(text)) return Math.min(Number(text) * SECOND, capMs);
  // An HTTP-date (IMF-fixdate, or the obsolete RFC 850 / asctime forms Date.parse also reads).
  if (text.length > 64 || !/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - nowMs, 0), capMs);
}
