import type { OsvAdvisory } from '@patch-factory/contracts';
import type { Rejection, SourceState } from '../source';

/** What one read of an advisory feed found. */
export interface FeedResult {
  advisories: OsvAdvisory[];
  /** Records that are not advisories the factory can read (kept out, with why). */
  rejected: Rejection[];
  state: SourceState;
  /** The feed had not changed since `state` (nothing read). */
  notModified: number;
}

/**
 * A place advisories come from (OSV records, the Debian security tracker): read as OSV
 * advisories, whatever the feed's own format. Hostile records are rejected, never thrown.
 */
export interface AdvisoryFeed<C> {
  readonly kind: string;
  parseConfig(raw: unknown): C;
  read(config: C, state: SourceState, signal: AbortSignal): Promise<FeedResult>;
}
