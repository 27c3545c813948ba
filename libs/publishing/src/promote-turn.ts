import { RetryableError } from '@patch-factory/contracts';
import { abortableSleep } from '@patch-factory/oci';
import type { StageContext } from '@patch-factory/pipeline';
import type { PromotionLease, ReleaseRepository } from '@patch-factory/store';
import { PublishingErrorCode } from './publishing-errors';

/** How a promotion waits for, holds and renews the promotion lock of its release repository. */
export interface PromoteLockOptions {
  /** Time to live of the lock (renewed every third of it while the promotion runs). */
  ttlMs: number;
  /** Longest wait for the lock in the process before `promote-busy` (which spends a job attempt). */
  waitMs: number;
  /** Mean interval between two tries while waiting (jittered ±50 %). */
  pollMs: number;
}

/** The defaults: a 2-minute lock renewed every 40 s; up to 2 minutes of waiting, polled every ~0.5 s. */
export const DEFAULT_PROMOTE_LOCK: PromoteLockOptions = { ttlMs: 120_000, waitMs: 120_000, pollMs: 500 };

/** Injection token of optional PromoteLockOptions (tests shorten them). */
export const PROMOTE_LOCK_OPTIONS = Symbol('patch-factory.promote-lock-options');

/** A turn at a release repository: the lease, and a signal that aborts when the lock is lost or the job is cancelled. */
export interface PromoteTurn {
  lease: PromotionLease;
  signal: AbortSignal;
  /** Stops renewing and lets go of the lock (only if this lease still holds it). */
  end(): Promise<void>;
}

/**
 * Waits (bounded, jittered polling, honouring `ctx.signal`) for the promotion lock of `image`,
 * then keeps it renewed until `end()`. When a renewal finds the lock taken by another promotion
 * (this one stalled past the time to live), the turn's signal aborts with
 * RetryableError(promote-lock-lost): the registry work stops, and the store writes would be
 * refused by their fencing check anyway. After `waitMs` without the lock: RetryableError(promote-busy).
 */
export async function takePromoteTurn(
  releases: ReleaseRepository,
  image: string,
  ctx: StageContext,
  options: PromoteLockOptions,
): Promise<PromoteTurn> {
  const started = Date.now();
  let tries = 0;
  for (;;) {
    tries++;
    const taken = await releases.lockPromotion(image, ctx.runId, options.ttlMs);
    if (taken.acquired) return holdTurn(releases, taken.lease, ctx, options);
    const waited = Date.now() - started;
    if (waited >= options.waitMs) {
      throw new RetryableError(
        PublishingErrorCode.promoteBusy,
        `run ${taken.holder} is moving the release tags of ${image} now (this promotion waited ${(waited / 1000).toFixed(1)} s for its turn, ${tries} tries); the promotion of run ${ctx.runId} is retried after it`,
      );
    }
    if (tries === 1)
      ctx.logger.info(
        { repository: image, holder: taken.holder },
        'waiting for the promotion lock of the release repository',
      );
    ctx.progress({ what: `waiting for the promotion lock of ${image} (held by run ${taken.holder})`, done: tries });
    const jittered = options.pollMs * (0.5 + Math.random());
    await abortableSleep(Math.max(1, Math.min(jittered, options.waitMs - waited)), ctx.signal);
  }
}

function holdTurn(
  releases: ReleaseRepository,
  lease: PromotionLease,
  ctx: StageContext,
  options: PromoteLockOptions,
): PromoteTurn {
  const lost = new AbortController();
  const signal = AbortSignal.any([ctx.signal, lost.signal]);
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = releases.renewPromotion(lease, options.ttlMs).then(
        (held) => {
          if (held || lost.signal.aborted) return;
          ctx.logger.warn(
            { repository: lease.repository, fence: lease.fence },
            'promotion lock lost: another promotion took the repository; this one stops',
          );
          lost.abort(
            new RetryableError(
              PublishingErrorCode.promoteLockLost,
              `the promotion lock of ${lease.repository} (fencing number ${lease.fence}) was taken by another promotion while run ${lease.runId} promoted; it stops and is retried`,
            ),
          );
        },
        (error: unknown) =>
          ctx.logger.warn(
            { repository: lease.repository, err: error instanceof Error ? error.message : String(error) },
            'promotion lock renewal failed; tried again',
          ),
      );
    },
    Math.max(10, Math.floor(options.ttlMs / 3)),
  );
  timer.unref();
  return {
    lease,
    signal,
    end: async () => {
      clearInterval(timer);
      await renewing;
      await releases.releasePromotion(lease);
    },
  };
}
