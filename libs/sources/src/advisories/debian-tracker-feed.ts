import { z } from 'zod';
import type { OsvAdvisory } from '@patch-factory/contracts';
import { reject } from '../screen-value';
import type { SourceState } from '../source';
import { parseTrack } from '../track-config.schema';
import type { AdvisoryFeed, FeedResult } from './advisory-feed';
import { checkFeedLocation, readFeed } from './feed-input';

export const DebianTrackerConfigSchema = z.object({
  type: z.literal('debian_tracker'),
  /** The tracker's JSON export (https://security-tracker.debian.org/tracker/data/json shape), or a copy of it. */
  location: z.string().min(1).max(1000),
  /** The Debian release whose fixes count, and its version for the OSV ecosystem (`Debian:12`). */
  release: z.string().regex(/^[a-z]{2,20}$/, 'expected a release code name such as bookworm'),
  version: z.string().regex(/^\d{1,3}$/, 'expected the release number such as 12'),
});
export type DebianTrackerConfig = z.infer<typeof DebianTrackerConfigSchema>;

/** The tracker's urgency as an OSV-style severity. */
const SEVERITY: Record<string, string> = { 'unimportant': 'low', 'low': 'low', 'medium': 'medium', 'high': 'high', 'not yet assigned': 'medium' };
const NAME = /^[a-z0-9][a-z0-9+.-]{0,127}$/;
const CVE = /^(CVE-\d{4}-\d{4,7}|TEMP-\d{7}-[0-9A-F]{6}|DSA-\d+-\d+|DLA-\d+-\d+)$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.+~:-]{0,127}$/;

/**
 * The Debian security tracker's JSON (`{ "<source package>": { "<CVE>": { "releases": {
 * "<release>": { "status", "fixed_version", "urgency" } } } } }`) as OSV advisories for one
 * release: a resolved issue with a fixed version becomes an ECOSYSTEM range fixed at it.
 */
export class DebianTrackerFeed implements AdvisoryFeed<DebianTrackerConfig> {
  readonly kind = 'debian_tracker';

  parseConfig(raw: unknown): DebianTrackerConfig {
    const c = parseTrack('debian_tracker', DebianTrackerConfigSchema, raw);
    return { ...c, location: checkFeedLocation(c.location) };
  }

  async read(config: DebianTrackerConfig, state: SourceState, signal: AbortSignal): Promise<FeedResult> {
    const fetched = await readFeed(config.location, state, signal);
    if (!fetched) return { advisories: [], rejected: [], state, notModified: 1 };
    const out: FeedResult = { advisories: [], rejected: [], state: fetched.state, notModified: 0 };
    let json: unknown;
    try {
      json = JSON.parse(fetched.bytes.toString('utf8'));
    } catch {
      out.rejected.push(reject(config.location, 'not-a-string'));
      return out;
    }
    const byId = new Map<string, OsvAdvisory>();
    for (const [pkg, issues] of Object.entries(isRecord(json) ? json : {})) {
      if (!NAME.test(pkg) || !isRecord(issues)) {
        out.rejected.push(reject(pkg, 'unsafe-characters'));
        continue;
      }
      for (const [id, issue] of Object.entries(issues)) {
        const rel = isRecord(issue) && isRecord(issue['releases']) ? issue['releases'][config.release] : undefined;
        if (!isRecord(rel) || rel['status'] !== 'resolved') continue;
        const fixed = rel['fixed_version'];
        if (!CVE.test(id) || typeof fixed !== 'string' || !VERSION.test(fixed) || fixed === '0') {
          if (!CVE.test(id) || (typeof fixed === 'string' && fixed !== '0')) out.rejected.push(reject(`${pkg} ${id}`, 'not-a-version'));
          continue;
        }
        const urgency = typeof rel['urgency'] === 'string' ? rel['urgency'] : '';
        const severity = SEVERITY[urgency.replace(/\*+$/, '')];
        const advisory = byId.get(id) ?? { id, modified: new Date(0).toISOString(), affected: [] };
        advisory.affected.push({
          package: { ecosystem: `Debian:${config.version}`, name: pkg },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
          ...(severity ? { database_specific: { severity } } : {}),
        });
        byId.set(id, advisory);
      }
    }
    out.advisories = [...byId.values()];
    return out;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const debianTrackerFeed = (): DebianTrackerFeed => new DebianTrackerFeed();
