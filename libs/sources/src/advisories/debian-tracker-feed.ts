import { z } from 'zod';
import type { OsvAdvisory } from '@patch-factory/contracts';
import { isRecord } from '@patch-factory/contracts';
import { severityOfUrgency } from '@patch-factory/vuln';
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

/** The events of one OSV range. */
type OsvEvent = NonNullable<OsvAdvisory['affected'][number]['ranges']>[number]['events'][number];

const NAME = /^[a-z0-9][a-z0-9+.-]{0,127}$/;
const CVE = /^(CVE-\d{4}-\d{4,7}|TEMP-\d{7}-[0-9A-F]{6}|DSA-\d+-\d+|DLA-\d+-\d+)$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.+~:-]{0,127}$/;

/**
 * The Debian security tracker's JSON (`{ "<source package>": { "<CVE>": { "description",
 * "releases": { "<release>": { "status", "fixed_version", "urgency", "repositories" } } } } }`)
 * as OSV advisories for one release, read as libs/vuln's scan reads it (tracker-ingest):
 *   resolved with a fixed version → an ECOSYSTEM range `introduced 0, fixed <version>`;
 *   open or undetermined → `introduced 0` and no fixed event: affected at every version, no fix
 *     yet (the scan and the SLA clocks see it; nothing can be patched to);
 *   resolved at "0", not-affected, any other status → no advisory for the release.
 * The severity (`database_specific.severity`) is the urgency as libs/vuln maps it
 * (severityOfUrgency); an urgency not yet assessed gives none.
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
        if (!isRecord(rel)) continue;
        const events = eventsOf(rel);
        if (events === undefined) continue;
        if (!CVE.test(id) || events === 'bad-version') {
          out.rejected.push(reject(`${pkg} ${id}`, 'not-a-version'));
          continue;
        }
        const severity = severityOfUrgency(rel['urgency']);
        const advisory = byId.get(id) ?? { id, modified: new Date(0).toISOString(), affected: [] };
        advisory.affected.push({
          package: { ecosystem: `Debian:${config.version}`, name: pkg },
          ranges: [{ type: 'ECOSYSTEM', events }],
          ...(severity !== 'unknown' ? { database_specific: { severity } } : {}),
        });
        byId.set(id, advisory);
      }
    }
    out.advisories = [...byId.values()];
    return out;
  }
}

/**
 * A release entry's OSV range events: fixed, or open (no fixed event); undefined when the
 * release is not affected; 'bad-version' when the fixed version is not a version.
 */
function eventsOf(rel: Record<string, unknown>): OsvEvent[] | 'bad-version' | undefined {
  const status = rel['status'];
  if (status === 'open' || status === 'undetermined') return [{ introduced: '0' }];
  if (status !== 'resolved') return undefined;
  const fixed = rel['fixed_version'];
  if (fixed === '0') return undefined;
  if (typeof fixed !== 'string' || !VERSION.test(fixed)) return 'bad-version';
  return [{ introduced: '0' }, { fixed }];
}

export const debianTrackerFeed = (): DebianTrackerFeed => new DebianTrackerFeed();
