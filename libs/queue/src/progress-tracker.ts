import { Injectable } from '@nestjs/common';

/**
 * When this process last made progress on a job (started, finished, reported progress)
 * and since when work has been pending; the health check fails when work has been
 * pending with no progress for longer than PF_PROGRESS_TIMEOUT_MS.
 */
@Injectable()
export class ProgressTracker {
  private lastProgressAt = Date.now();
  private pendingSince: number | undefined;

  mark(now = Date.now()): void {
    this.lastProgressAt = now;
  }

  /** Records the pending count seen now and returns how long work has waited without progress (ms). */
  observe(pending: number, now = Date.now()): number {
    if (pending <= 0) {
      this.pendingSince = undefined;
      return 0;
    }
    this.pendingSince ??= now;
    return now - Math.max(this.pendingSince, this.lastProgressAt);
  }
}
