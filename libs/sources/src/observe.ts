import type { Observation, Rejection } from './source';
import { isCommit, isVersion, reject, screenName } from './screen-value';
import type { CompiledTrack } from './track-config.schema';

/** One upstream candidate before screening (all fields straight from upstream: hostile). */
export interface Candidate {
  tag: unknown;
  /** A release's title; empty or absent: the tag. */
  name?: unknown;
  commit?: unknown;
  publishedAt?: number;
}

/** An observation, a rejection, or undefined when `match` filters the candidate out. */
export type Outcome = { observation: Observation } | { rejection: Rejection } | undefined;

/**
 * Screen a candidate and apply the track to it. `use` names the field `match` reads (the tag,
 * or a release's title). `match` selects and extracts the version (no `match`: the field
 * itself, a leading `v` before a digit dropped); each `set` rule takes its field (version, tag,
 * name or commit) through its own optional `match`. Never throws.
 */
export function observe(ref: string, track: CompiledTrack, c: Candidate, use: 'tag' | 'name' = 'tag'): Outcome {
  const tag = screenName(c.tag);
  if ('reason' in tag) return { rejection: reject(c.tag, tag.reason) };
  let name: string = tag.ok;
  if (typeof c.name === 'string' && c.name !== '' && (use === 'name' || track.set.some((r) => r.value === 'name'))) {
    const screened = screenName(c.name, 'title');
    if ('reason' in screened) return { rejection: reject(c.name, screened.reason) };
    name = screened.ok;
  }
  const subject = use === 'name' ? name : tag.ok;
  let version: string | undefined;
  if (track.match) {
    version = track.match.extract(subject);
    if (version === undefined) return undefined;
  } else {
    version = subject.replace(/^v(?=\d)/, '');
  }
  if (!isVersion(version)) return { rejection: reject(subject, 'not-a-version') };
  const commit = isCommit(c.commit) ? c.commit : undefined;
  const vars: Record<string, string> = {};
  for (const rule of track.set) {
    const from =
      rule.value === 'version' ? version : rule.value === 'tag' ? tag.ok : rule.value === 'name' ? name : commit;
    if (from === undefined) return { rejection: reject(subject, 'commit-unknown') };
    const value = rule.match ? rule.match.extract(from) : from;
    if (value === undefined || value === '') return { rejection: reject(subject, 'set-match-failed') };
    const screened = screenName(value);
    if ('reason' in screened) return { rejection: reject(value, screened.reason) };
    vars[rule.var] = screened.ok;
  }
  return {
    observation: {
      ref,
      version,
      ...(commit === undefined ? {} : { commit }),
      ...(c.publishedAt === undefined || !Number.isFinite(c.publishedAt) ? {} : { publishedAt: c.publishedAt }),
      vars,
    },
  };
}

/** Most rejections a poll reports (the rest are left off). */
export const MAX_REJECTIONS = 100;

/** Collects outcomes into a PollResult's observations and rejected lists, bounded and deduplicated. */
export class OutcomeCollector {
  readonly observations: Observation[] = [];
  readonly rejected: Rejection[] = [];
  private readonly seen = new Set<string>();

  add(outcome: Outcome): void {
    if (!outcome) return;
    if ('rejection' in outcome) {
      if (this.rejected.length < MAX_REJECTIONS) this.rejected.push(outcome.rejection);
      return;
    }
    const key = `${outcome.observation.version}\u0000${outcome.observation.commit ?? ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.observations.push(outcome.observation);
  }
}
