import type { OsvAdvisory, UpstreamEvent } from '@patch-factory/contracts';

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
 */
export function advisoryEvents(osv: OsvAdvisory, now: number): AdvisoryPlan {
  const plan: AdvisoryPlan = { events: [], unpatchable: [] };
  const top = severityOf(osv.database_specific?.severity);
  for (const a of osv.affected) {
    const purl = purlOf(a.package);
    const label = a.package.purl ?? `${a.package.ecosystem}/${a.package.name}`;
    if (!purl) {
      plan.unpatchable.push({ package: label, reason: `ecosystem ${a.package.ecosystem} has no package the catalog pins` });
      continue;
    }
    const fixed = (a.ranges ?? []).filter((r) => r.type === 'ECOSYSTEM' || r.type === 'SEMVER').flatMap((r) => r.events.map((e) => e.fixed).filter((v): v is string => !!v));
    if (fixed.length === 0) {
      plan.unpatchable.push({ package: label, reason: 'no fixed version yet' });
      continue;
    }
    const severity = severityOf(a.database_specific?.severity) ?? top;
    for (const version of [...new Set(fixed)]) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._+~:-]{0,127}$/.test(version)) {
        plan.unpatchable.push({ package: label, reason: `fixed version ${JSON.stringify(version.slice(0, 40))} is not a version` });
        continue;
      }
      plan.events.push({
        id: `${osv.id}:${purl.slice(4).replace(/[^A-Za-z0-9._-]/g, '.')}:${version.replace(/[^A-Za-z0-9._-]/g, '.')}`.slice(0, 128),
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

function purlOf(p: { ecosystem: string; name: string; purl?: string | undefined }): string | undefined {
  const m = /^pkg:(deb|apk)\/([a-z0-9.-]+)\/([a-z0-9][a-z0-9+._-]*)/.exec(p.purl ?? '');
  if (m) return `pkg:${m[1]}/${m[2]}/${m[3]}`;
  if (/^Debian(:|$)/.test(p.ecosystem) && /^[a-z0-9][a-z0-9+._-]*$/.test(p.name)) return `pkg:deb/debian/${p.name}`;
  if (/^Alpine(:|$)/.test(p.ecosystem) && /^[a-z0-9][a-z0-9+._-]*$/.test(p.name)) return `pkg:apk/alpine/${p.name}`;
  return undefined;
}

function severityOf(raw: string | undefined): Severity | undefined {
  const s = raw?.toLowerCase();
  if (s === 'moderate') return 'medium';
  return SEVERITIES.find((x) => x === s);
}
