import { UpstreamEventSchema, upstreamEventJobId, type UpstreamEvent } from '@patch-factory/contracts';
import { compareUpstreamVersions } from '@patch-factory/definitions';
import type { JobProducer } from '@patch-factory/queue';
import type { Observation, PollResult } from '@patch-factory/sources';
import type { PatchRequestRepository, WatchStateRepository } from '@patch-factory/store';
import type { WatchTarget } from './watch-target.schema';

/** The state key under which the poller keeps the newest version it has seen. */
const NEWEST = 'pf:newest';

function newerThan(observations: readonly Observation[], newest: string | undefined): Observation[] {
  if (newest === undefined) {
    const top = [...observations].sort((a, b) => compareUpstreamVersions(b.version, a.version))[0];
    return top ? [top] : [];
  }
  return observations.filter((o) => compareUpstreamVersions(o.version, newest) > 0);
}

/** The deterministic id of the event of `version` seen at `target`. */
export function watchEventId(target: string, version: string): string {
  return `${target}@${version}`.replace(/[^A-Za-z0-9._:-]/g, '.').slice(0, 128);
}

/** What one poll of one target did. */
export interface PollReport {
  target: string;
  /** Events recorded for the first time by this poll. */
  emitted: UpstreamEvent[];
  /** Versions seen again (already recorded, by this watcher or a replica). */
  known: number;
  rejected: { value: string; reason: string }[];
  notModified: number;
}

/** Polls a source: (config, state, signal) → versions and the next state. */
export type PollFn = (target: WatchTarget, state: Record<string, string>, signal: AbortSignal) => Promise<PollResult>;

/**
 * Turns what a source reports into upstream events, exactly once: each version's event id is
 * deterministic (`<target>@<version>`), stored with SET NX, and its planning job has a
 * deterministic id, so the same release seen twice, or by two replicas at once, is one event.
 * The source's state (ETags) is saved only after every event is recorded: a watcher killed
 * mid-poll polls again after a restart and loses nothing. A version younger than the
 * target's minimum release age is planned when it has soaked (a delayed job).
 */
export class WatchPoller {
  constructor(
    private readonly poll: PollFn,
    private readonly watchState: WatchStateRepository,
    private readonly events: PatchRequestRepository,
    private readonly producer: JobProducer,
    private readonly now: () => number = Date.now,
  ) {}

  async pollTarget(target: WatchTarget, signal: AbortSignal): Promise<PollReport> {
    const state = await this.watchState.state(target.key);
    const result = await this.poll(target, state, signal);
    const report: PollReport = { target: target.key, emitted: [], known: 0, rejected: [...result.rejected], notModified: result.notModified };
    // Only what is newer than the newest version seen before (on a first poll: the newest
    // alone), so that a source listing its whole history never plans an older version.
    const newest = state[NEWEST];
    const candidates = newerThan(result.observations, newest);
    for (const o of candidates) {
      const event = await this.eventOf(target, o, report);
      if (!event) continue;
      const fresh = await this.events.saveEvent(event);
      const delay = Math.max(0, event.firstSeenAt + target.minReleaseAgeMs - this.now());
      await this.producer.enqueue('event.upstream', { v: 1, eventId: event.id }, { jobId: upstreamEventJobId(event.id), ...(delay > 0 ? { delayMs: delay } : {}) });
      if (fresh) report.emitted.push(event);
      else report.known++;
    }
    const top = [...candidates, ...(newest ? [{ ref: target.ref, version: newest }] : [])].sort((a, b) => compareUpstreamVersions(b.version, a.version))[0];
    await this.watchState.saveState(target.key, { ...result.state, ...(top ? { [NEWEST]: top.version } : {}) });
    return report;
  }

  private async eventOf(target: WatchTarget, o: Observation, report: PollReport): Promise<UpstreamEvent | undefined> {
    const seen = await this.watchState.firstSeen(target.key, o.version, this.now());
    const candidate = {
      id: watchEventId(target.key, o.version),
      source: target.kind.replace(/_/g, '-'),
      ref: target.ref,
      version: o.version,
      ...(o.digest ? { digest: o.digest } : {}),
      firstSeenAt: seen.at,
    };
    const parsed = UpstreamEventSchema.safeParse(candidate);
    if (!parsed.success) {
      report.rejected.push({ value: o.version.slice(0, 200), reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      return undefined;
    }
    return parsed.data;
  }
}
