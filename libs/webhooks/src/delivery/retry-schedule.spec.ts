import fc from 'fast-check';
import {
  JITTER,
  MAX_ATTEMPTS,
  nextAttemptDelay,
  parseRetryAfter,
  RETRY_AFTER_CAP_MS,
  RETRY_SCHEDULE_MS,
  retryDelay,
  shouldDisableEndpoint,
} from './retry-schedule';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('retry schedule', () => {
  it('is at least 8 attempts over at least 27 hours, for every jitter draw', () => {
    expect(MAX_ATTEMPTS).toBeGreaterThanOrEqual(8);
    fc.assert(
      fc.property(fc.array(unit, { minLength: MAX_ATTEMPTS, maxLength: MAX_ATTEMPTS }), (draws) => {
        const delays: number[] = [];
        for (let made = 1; made <= MAX_ATTEMPTS + 2; made++) {
          const d = nextAttemptDelay(made, draws[made - 1] ?? 0);
          if (d === undefined) break;
          delays.push(d);
        }
        // attempts = the first one + one per delay
        expect(delays.length + 1).toBe(MAX_ATTEMPTS);
        const total = delays.reduce((a, b) => a + b, 0);
        expect(total).toBeGreaterThanOrEqual(27 * HOUR);
        expect(total).toBeLessThanOrEqual(RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0) * (1 + JITTER));
      }),
    );
  });

  it('each delay is within [base, base × 1.2] and grows with the attempt (exponential-ish)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_ATTEMPTS - 1 }), unit, (made, r) => {
        const base = RETRY_SCHEDULE_MS[made] ?? NaN;
        const d = nextAttemptDelay(made, r) ?? NaN;
        expect(d).toBeGreaterThanOrEqual(base);
        expect(d).toBeLessThanOrEqual(base * (1 + JITTER));
        // Strictly longer than the previous step's largest delay, except the two 10 h steps.
        const prev = RETRY_SCHEDULE_MS[made - 1] ?? 0;
        if (base !== prev) expect(d).toBeGreaterThan(prev);
      }),
    );
  });

  it('is exhausted after the last attempt, and refuses nonsense attempt counts', () => {
    expect(nextAttemptDelay(MAX_ATTEMPTS, 0.5)).toBeUndefined();
    expect(nextAttemptDelay(1, 0)).toBe(5000);
    expect(nextAttemptDelay(1, 0.5)).toBe(5500);
    expect(nextAttemptDelay(1, 7)).toBe(6000); // clamped
    expect(nextAttemptDelay(1, NaN)).toBe(5000);
    expect(() => nextAttemptDelay(0, 0)).toThrow(RangeError);
    expect(() => nextAttemptDelay(1.5, 0)).toThrow(RangeError);
  });

  it('Retry-After overrides the delay when larger, capped at a day; never adds attempts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_ATTEMPTS - 1 }), unit, fc.nat({ max: 10 * DAY }), (made, r, after) => {
        const scheduled = nextAttemptDelay(made, r) ?? NaN;
        const d = retryDelay(made, r, after) ?? NaN;
        expect(d).toBe(Math.max(scheduled, Math.min(after, RETRY_AFTER_CAP_MS)));
      }),
    );
    expect(retryDelay(1, 0, 120_000)).toBe(120_000);
    expect(retryDelay(1, 0, 1000)).toBe(5000);
    expect(retryDelay(MAX_ATTEMPTS, 0, 1000)).toBeUndefined();
  });

  it('disables an endpoint failing for 5 days, not before', () => {
    const first = Date.UTC(2026, 11, 1);
    expect(shouldDisableEndpoint(undefined, first + 30 * DAY)).toBe(false);
    expect(shouldDisableEndpoint(first, first + 5 * DAY - 1)).toBe(false);
    expect(shouldDisableEndpoint(first, first + 5 * DAY)).toBe(true);
    expect(shouldDisableEndpoint(new Date(first), new Date(first + 6 * DAY))).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 11, 7, 20, 0, 0);
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['999999999', RETRY_AFTER_CAP_MS],
    ['Mon, 07 Dec 2026 20:01:30 GMT', 90_000],
    ['Monday, 07-Dec-26 20:00:10 GMT', 10_000],
    ['Mon, 07 Dec 2026 19:00:00 GMT', 0],
    ['Fri, 01 Jan 2100 00:00:00 GMT', RETRY_AFTER_CAP_MS],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['2026-12-07T20:01:00Z', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j is %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
