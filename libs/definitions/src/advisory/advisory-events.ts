import {
  parsePurlStrict,
  purlDecode,
  upstreamEventId,
  type OsvAdvisory,
  type UpstreamEvent,
} from '@patch-factory/contracts';

type Severity = NonNullable<UpstreamEvent['severity']>;
const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'none'];

/** What an advisory means for patching: the fixed package versions, and what cannot be patched to. */
export interface AdvisoryPlan {
  events: UpstreamEvent[];
  /** Affected entries with no package version to patch to (another ecosystem, no fix yet). */
  unpatchable: { package: string; reason: string }[];
}

/**
 * Turns an OSV advisory into upstream events: each `fixed` version of a Debian or Alpine
 * package (its purl, or `Debian:*` / `Alpine:*` ecosystems) is an event "this package reached
 * a fixed version", carrying the advisory's severity (for the auto-merge policy) and id.
 * Entries without a package version to move to are reported, not dropped.
 *
 * `from` is the advisory's source (a feed's watch target key, or `api` for POST
 * /events/advisory): event ids are derived from it, the advisory id, the package and the
 * version (upstreamEventId), so an API caller can never take the id of a feed advisory's event.
 */
export function advisoryEvents(osv: OsvAdvisory, now: number, from = 'api'): AdvisoryPlan {
  const plan: AdvisoryPlan = { events: [], unpatchable: [] };
  const top = severityOf(osv.database_specific?.severity);
  for (const a of osv.affected) {
    const purl = purlOf(a.package);
    const label = a.package.purl ?? `${a.package.ecosystem}/${a.package.name}`;
    if (!purl) {
      plan.unpatchable.push({
        package: label,
        reason: `ecosystem ${a.package.ecosystem} has no package the catalog pins`,
      });
      continue;
    }
    const fixed = (a.ranges ?? [])
      .filter((r) => r.type === 'ECOSYSTEM' || r.type === 'SEMVER')
      .flatMap((r) => r.events.map((e) => e.fixed).filter((v): v is string => !!v));
    if (fixed.length === 0) {
      plan.unpatchable.push({ package: label, reason: 'no fixed version yet' });
      continue;
    }
    const severity = severityOf(a.database_specific?.severity) ?? top;
    const origin = { kind: 'advisory' as const, advisory: osv.id, from };
    for (const version of [...new Set(fixed)]) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._+~:-]{0,127}$/.test(version)) {
        plan.unpatchable.push({
          package: label,
          reason: `fixed version ${JSON.stringify(version.slice(0, 40))} is not a version`,
        });
        continue;
      }
      plan.events.push({
        id: upstreamEventId(origin, { source: 'osv', ref: purl, version }),
        source: 'osv',
        ref: purl,
        version,
        advisory: osv.id,
        ...(severity ? { severity } : {}),
        firstSeenAt: now,
      });
    }
  }
  return plan;
}

/**
 * The severity `osv` gives the fix of the package `ref` (a purl as advisoryEvents makes it):
 * that package's entry's, else the advisory's; undefined when it gives none. The planner asks the
 * stored advisory again, so that only the store's document decides (never a copy in an event).
 */
export function advisorySeverityOf(osv: OsvAdvisory, ref: string): Severity | undefined {
  const top = severityOf(osv.database_specific?.severity);
  const entry = osv.affected.find((a) => purlOf(a.package) === ref);
  return (entry && severityOf(entry.database_specific?.severity)) ?? top;
}

/**
 * The package purl an entry names (no version, qualifiers or subpath), from its whole purl
 * (checked by the schema; never a prefix of it) or its `Debian:*` / `Alpine:*` ecosystem.
 */
function purlOf(p: { ecosystem: string; name: string; purl?: string | undefined }): string | undefined {
  const parts = p.purl === undefined ? undefined : parsePurlStrict(p.purl);
  const type = parts?.type.toLowerCase();
  const vendor = parts?.namespace[0]?.toLowerCase();
  if (
    parts &&
    (type === 'deb' || type === 'apk') &&
    vendor &&
    /^[a-z0-9.-]+$/.test(vendor) &&
    /^[a-z0-9][a-z0-9+._-]*$/.test(purlDecode(parts.name))
  ) {
    return `pkg:${type}/${vendor}/${purlDecode(parts.name)}`;
  }
  if (/^Debian(:|$)/.test(p.ecosystem) && /^[a-z0-9][a-z0-9+._-]*$/.test(p.name)) return `pkg:deb/debian/${p.name}`;
  if (/^Alpine(:|$)/.test(p.ecosystem) && /^[a-z0-9][a-z0-9+._-]*$/.test(p.name)) return `pkg:apk/alpine/${p.name}`;
  return undefined;
}

function severityOf(raw: string | undefined): Severity | undefined {
  const s = raw?.toLowerCase();
  if (s === 'moderate') return 'medium';
  return SEVERITIES.find((x) => x === s);
}
