import type { Clock } from '../clock';

/**
 * At most `perMinute` content-creating requests (POST, PATCH, PUT, DELETE) in any sliding
 * 60-second window (GitHub documents 80 per minute as a secondary rate limit). Callers wait
 * their turn in call order; the clock is injected so tests simulate the waiting.
 */
export class WriteRateLimiter {
  private readonly sent: number[] = [];
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
    private readonly windowMs = 60_000,
  ) {}

  /** Resolve when one more write may start now (and count it). */
  acquire(): Promise<void> {
    const mine = this.turn.then(() => this.take());
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async take(): Promise<void> {
    // Each wait lets the oldest write leave the window, so perMinute + 1 rounds always suffice.
    for (let round = 0; round <= this.perMinute + 1; round++) {
      const now = this.clock.now();
      while (this.sent.length > 0 && (this.sent[0] ?? 0) <= now - this.windowMs) this.sent.shift();
      if (this.sent.length < this.perMinute) {
        this.sent.push(now);
        return;
      }
      await this.clock.sleep((this.sent[0] ?? now) + this.windowMs - now);
    }
    this.sent.push(this.clock.now());
  }
}
