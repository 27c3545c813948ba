import { UpstreamEventSchema, upstreamEventId, type UpstreamEvent } from '@patch-factory/contracts';
import { checkVarChange } from '@patch-factory/definitions';
import { EventPlanningQueue, type JobProducer } from '@patch-factory/queue';
import { isVersion, screenName, type Observation, type PollResult, type WatchTarget } from '@patch-factory/sources';
import type { PatchRequestRepository, WatchStateRepository } from '@patch-factory/store';
import { versionOrderOf, type VersionOrder } from './version-order';

/** The state key under which the poller keeps the newest version it has seen. */
const NEWEST = 'pf:newest';

/** Most variables one event carries (the contract's bound). */
const MAX_VARS = 32;

/** What is newer than `newest` (on a first poll: the newest alone), in the source's own order. */
function newerThan(
  observations: readonly Observation[],
  newest: string | undefined,
  order: VersionOrder,
): Observation[] {
  if (newest === undefined) {
    const top = [...observations].sort((a, b) => order.compare(b.version, a.version))[0];
    return top ? [top] : [];
  }
  return observations.filter((o) => order.compare(o.version, newest) > 0);
}

/** The deterministic id of the event of `version` seen at `target` (upstreamEventId: the same version seen twice is one event). */
export function watchEventId(target: string, version: string): string {
  return upstreamEventId({ kind: 'watch', target }, { source: '', ref: '', version });
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
 * deterministic (from `<target>` and `<version>`: watchEventId), stored with SET NX, and its planning job has a
 * deterministic id, so the same release seen twice, or by two replicas at once, is one event.
 * The source's state (ETags) is saved only after every event is recorded: a watcher killed
 * mid-poll polls again after a restart and loses nothing.
 *
 * Newest-seen is decided in the source's own order (dpkg, apk or tag order: versionOrderOf)
 * and only from versions that became events: a value the screen refuses (not a version of
 * the source, unsafe characters, a variable a definition could not hold) is reported in
 * `rejected` and never becomes newest-seen, so one hostile listing cannot hide every later
 * release. Nothing is held back here: the planner alone applies the soak rules.
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
    const report: PollReport = {
      target: target.key,
      emitted: [],
      known: 0,
      rejected: [...result.rejected],
      notModified: result.notModified,
    };
    const order = versionOrderOf(target.kind);
    // Screened first: a value the screen rejects is neither an event nor ever newest-seen.
    const screened = result.observations.filter((o) => this.screen(target, o, order, report));
    // Only what is newer than the newest version seen before (on a first poll: the newest
    // alone), so that a source listing its whole history never plans an older version.
    const stored = state[NEWEST];
    const newest = stored !== undefined && order.problem(stored) === undefined ? stored : undefined;
    let top = newest;
    for (const o of newerThan(screened, newest, order)) {
      const event = await this.eventOf(target, o, report);
      if (!event) continue;
      const fresh = await this.events.saveEvent(event);
      // No delay here: how long a plain update soaks is decided once, by the planner (soak rules).
      await new EventPlanningQueue(this.producer).plan(event);
      if (fresh) report.emitted.push(event);
      else report.known++;
      if (top === undefined || order.compare(event.version, top) > 0) top = event.version;
    }
    await this.watchState.saveState(target.key, { ...result.state, ...(top !== undefined ? { [NEWEST]: top } : {}) });
    return report;
  }

  /** True when `o` is a version in the source's order with acceptable variables; otherwise reported. */
  private screen(target: WatchTarget, o: Observation, order: VersionOrder, report: PollReport): boolean {
    const value = typeof o.version === 'string' ? o.version.slice(0, 200) : String(o.version);
    const name = screenName(o.version);
    let problem = 'reason' in name ? name.reason : isVersion(o.version) ? order.problem(o.version) : 'not-a-version';
    if (problem === undefined) problem = varsProblem(target, o);
    if (problem === undefined) return true;
    report.rejected.push({ value, reason: problem });
    return false;
  }

  private async eventOf(target: WatchTarget, o: Observation, report: PollReport): Promise<UpstreamEvent | undefined> {
    const seen = await this.watchState.firstSeen(target.key, o.version, this.now());
    const vars = Object.entries(o.vars ?? {});
    const candidate = {
      id: watchEventId(target.key, o.version),
      source: target.kind.replace(/_/g, '-'),
      ref: target.ref,
      version: o.version,
      ...(o.digest ? { digest: o.digest } : {}),
      ...(o.security ? { security: o.security } : {}),
      ...(vars.length ? { vars: Object.fromEntries(vars) } : {}),
      firstSeenAt: seen.at,
    };
    const parsed = UpstreamEventSchema.safeParse(candidate);
    if (!parsed.success) {
      report.rejected.push({
        value: o.version.slice(0, 200),
        reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
      return undefined;
    }
    return parsed.data;
  }
}

/** Why the variables a version sets cannot go into a definition (checked as a definition's variable change is). */
function varsProblem(target: WatchTarget, o: Observation): string | undefined {
  const vars = Object.entries(o.vars ?? {});
  if (vars.length > MAX_VARS) return `sets ${vars.length} variables, at most ${MAX_VARS}`;
  for (const [name, value] of vars) {
    try {
      checkVarChange({ name, old: value, new: value }, `watch target ${target.key}`);
    } catch (error) {
      return (error as Error).message;
    }
  }
  return undefined;
}
