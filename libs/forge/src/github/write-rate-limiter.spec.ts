import { createManualClock } from '@patch-factory/testing';
import { WriteRateLimiter } from './write-rate-limiter';

describe('WriteRateLimiter', () => {
  it('lets at most N writes start in any 60 s window, in call order, also when called concurrently', async () => {
    const clock = createManualClock(0);
    const limiter = new WriteRateLimiter(3, clock);
    const started: Array<[number, number]> = [];
    await Promise.all(
      Array.from({ length: 7 }, (_, i) => limiter.acquire().then(() => started.push([i, clock.now()]))),
    );
    expect(started.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(started.map(([, t]) => t)).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
  });

  it('does not wait while the window has room', async () => {
    const clock = createManualClock(0);
    const limiter = new WriteRateLimiter(2, clock);
    await limiter.acquire();
    clock.advance(61_000);
    await limiter.acquire();
    await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
  });
});
