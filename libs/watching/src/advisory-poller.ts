import type { UpstreamEvent } from '@patch-factory/contracts';
import { advisoryEvents } from '@patch-factory/definitions';
import { EventPlanningQueue, type JobProducer } from '@patch-factory/queue';
import { keepUnfixedAdvisory, type FeedResult, type WatchTarget } from '@patch-factory/sources';
import {
  AdvisoryDocumentRefusedError,
  type AdvisoryRepository,
  type PatchRequestRepository,
  type WatchStateRepository,
} from '@patch-factory/store';
import type { PollReport } from './watch-poller';

/** Reads an advisory feed: (target, state, signal) → advisories and the next state. */
export type FeedFn = (target: WatchTarget, state: Record<string, string>, signal: AbortSignal) => Promise<FeedResult>;

/**
 * Turns an advisory feed into events, exactly once: each advisory is recorded for the SLA
 * engine (first sight only: the date a fix became available does not move) with its OSV document
 * (newest wins; a too large one is rejected, with no events), and each fixed
 * Debian or Alpine package version becomes an upstream event with the advisory's severity
 * (deterministic ids, SET NX, deterministic planning jobs). State is saved after the events.
 */
export class AdvisoryPoller {
  constructor(
    private readonly read: FeedFn,
    private readonly watchState: WatchStateRepository,
    private readonly events: PatchRequestRepository,
    private readonly advisories: AdvisoryRepository,
    private readonly producer: JobProducer,
    private readonly now: () => number = Date.now,
  ) {}

  async pollTarget(target: WatchTarget, signal: AbortSignal): Promise<PollReport> {
    const state = await this.watchState.state(target.key);
    const result = await this.read(target, state, signal);
    const report: PollReport = {
      target: target.key,
      emitted: [],
      known: 0,
      rejected: [...result.rejected],
      notModified: result.notModified,
    };
    for (const osv of result.advisories) {
      // The feed is the document's source (its namespace in the store, and in its events' ids).
      const origin = { source: target.key };
      const plan = advisoryEvents(osv, this.now(), target.key);
      if (plan.events.length === 0) {
        // No fix yet (an open tracker issue): its document only, for the scan (sources: keepUnfixedAdvisory).
        report.rejected.push(...(await keepUnfixedAdvisory(this.advisories, osv, origin)));
        continue;
      }
      let recorded;
      try {
        recorded = await this.advisories.record(osv, this.now(), origin);
      } catch (error) {
        if (!(error instanceof AdvisoryDocumentRefusedError)) throw error;
        report.rejected.push({ value: osv.id, reason: error.message });
        continue;
      }
      const events: UpstreamEvent[] = [];
      for (const e of plan.events) {
        const event: UpstreamEvent = { ...e, firstSeenAt: recorded.fixAvailableAt };
        const fresh = await this.events.saveEvent(event);
        events.push(event);
        if (fresh) report.emitted.push(event);
        else report.known++;
      }
      // On the planning lane by severity, PF_ADVISORY_EVENT_BATCH at a time (the rest by continuation).
      await new EventPlanningQueue(this.producer).planAll(events);
    }
    await this.watchState.saveState(target.key, result.state);
    return report;
  }
}
