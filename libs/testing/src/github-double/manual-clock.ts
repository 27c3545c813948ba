/**
 * A clock for tests that never waits: sleep(ms) moves time forward by ms at once. Give the
 * same clock to the code under test (its Clock) and to the GitHub double (its `now`), so the
 * double's recorded timestamps show the simulated waits.
 */
export interface ManualClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Move time forward without sleeping. */
  advance: (ms: number) => void;
  /** Every sleep asked for, in order (ms). */
  readonly sleeps: number[];
}

export function createManualClock(start = Date.parse('2026-07-01T00:00:00Z')): ManualClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: (ms) => {
      sleeps.push(ms);
      t += Math.max(0, ms);
      return Promise.resolve();
    },
    advance: (ms) => {
      t += ms;
    },
    sleeps,
  };
}
