import {
  SecuritySuiteMarkSchema,
  type OsvAdvisory,
  type SecuritySuiteMark,
  type UpstreamEvent,
} from '@patch-factory/contracts';
import { compareDebianVersions } from '@patch-factory/debian';
import { DEBIAN_RELEASES, osvSeverity, severityRank, type Severity } from '@patch-factory/vuln';
import type { Outcome } from '../observe';

/** A severity an upstream event (and so the auto-merge policy) can carry. */
export type EventSeverity = NonNullable<UpstreamEvent['severity']>;

/**
 * The severity of a security update that no stored advisory assesses (none names it yet, or
 * the one that does has no urgency): Debian publishes to `<release>-security` only what its
 * security team ships as a DSA/DLA. Not `none` (a plain version update: soaked, and merged as
 * such), and below `high`, so that the default auto-merge policy waits for a person.
 */
export const UNASSESSED_SECURITY_SEVERITY: EventSeverity = 'medium';

/** Debian's security suites: `<code name>-security` (bookworm-security, trixie-security). */
const SECURITY_SUITE = /^([a-z]+)-security$/;
/** Packages' `Source:` field: `name` or `name (version)` (the latter when it differs from the binary's). */
const SOURCE_FIELD = /^([a-z0-9][a-z0-9+.-]{0,127})(?: \(([^()\s]{1,128})\))?$/;

/**
 * The mark of a package version published in a security suite (undefined for another suite):
 * the suite, and the source package and source version from the Packages stanza (`Source:`;
 * absent: the binary's own name and version). A `Source:` field that does not check gives the
 * binary's name and version.
 */
export function securitySuiteMarkOf(
  suite: string,
  stanza: { Package: string; Version: string; Source?: string | undefined },
): SecuritySuiteMark | undefined {
  if (!SECURITY_SUITE.test(suite)) return undefined;
  const source = SOURCE_FIELD.exec(stanza.Source ?? '');
  const mark = { suite, sourcePackage: source?.[1] ?? stanza.Package, sourceVersion: source?.[2] ?? stanza.Version };
  const checked = SecuritySuiteMarkSchema.safeParse(mark);
  if (checked.success) return checked.data;
  const plain = SecuritySuiteMarkSchema.safeParse({
    suite,
    sourcePackage: stanza.Package,
    sourceVersion: stanza.Version,
  });
  return plain.success ? plain.data : undefined;
}

/** An observation's outcome with the security suite's mark, when there is one (else unchanged). */
export function withSecuritySuiteMark(outcome: Outcome, mark: SecuritySuiteMark | undefined): Outcome {
  return outcome && mark && 'observation' in outcome
    ? { observation: { ...outcome.observation, security: mark } }
    : outcome;
}

/** A stored advisory that fixes the marked source package at the marked version. */
export interface SecurityFix {
  advisory: string;
  /** Its severity (libs/vuln's osvSeverity: CVSS, else the feed's word; the tracker's is its urgency); `unknown`: not assessed. */
  severity: Severity;
}

/**
 * The stored advisories (Debian security tracker records, DSA/DLA records of OSV) that fix the
 * marked source package at exactly the marked version (dpkg order: `1:2.0` is `1:2.0`, never
 * `2.0`): an entry of the `Debian` ecosystem (of the suite's release when it names one, e.g.
 * `Debian:12` for bookworm-security) or a `pkg:deb/debian/` purl, named as the source package,
 * with an ECOSYSTEM range fixed at that version. Sorted by severity (highest first), then id.
 */
export async function securityFixesOf(
  mark: SecuritySuiteMark,
  documents: AsyncIterable<OsvAdvisory>,
): Promise<SecurityFix[]> {
  const release = DEBIAN_RELEASES[SECURITY_SUITE.exec(mark.suite)?.[1] ?? ''];
  const fixes: SecurityFix[] = [];
  for await (const osv of documents) {
    for (const affected of osv.affected) {
      if (!namesPackage(affected.package, mark.sourcePackage, release)) continue;
      const fixed = (affected.ranges ?? [])
        .filter((r) => r.type === 'ECOSYSTEM')
        .flatMap((r) => r.events.map((e) => e.fixed));
      if (!fixed.some((v) => v !== undefined && sameVersion(v, mark.sourceVersion))) continue;
      fixes.push({
        advisory: osv.id,
        severity: osvSeverity(osv as unknown as Record<string, unknown>, affected, osv.id, () => undefined).severity,
      });
      break;
    }
  }
  return fixes.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      (a.advisory < b.advisory ? -1 : a.advisory > b.advisory ? 1 : 0),
  );
}

/**
 * The event as the planner and the auto-merge policy should see it. An event that has a
 * severity, or is a plain update (neither an advisory's fix nor marked as published in a
 * security suite), is returned as it is. A marked one takes the severity of the most severe
 * stored advisory that fixes its source package at its version, and that advisory's id (so its
 * SLA clock sees the image stream). A security update no advisory assesses (no match, a match
 * with no severity, an advisory's fix whose advisory gives none: the tracker's "not yet
 * assigned") is of UNASSESSED_SECURITY_SEVERITY: never a plain update (`none`), never soaked.
 */
export async function withSecurityUpdateSeverity(
  event: UpstreamEvent,
  advisories: { documents(): AsyncIterable<OsvAdvisory> },
): Promise<UpstreamEvent> {
  if (event.severity || (!event.security && !event.advisory)) return event;
  if (!event.security) return { ...event, severity: UNASSESSED_SECURITY_SEVERITY };
  const fixes = await securityFixesOf(event.security, advisories.documents());
  const top = fixes[0];
  const assessed = top ? eventSeverityOf(top.severity) : undefined;
  return {
    ...event,
    severity: assessed ?? UNASSESSED_SECURITY_SEVERITY,
    ...(top && !event.advisory ? { advisory: top.advisory } : {}),
  };
}

/** A libs/vuln severity as an event's; undefined when not assessed. */
function eventSeverityOf(severity: Severity): EventSeverity | undefined {
  return severity === 'unknown' ? undefined : severity;
}

function namesPackage(
  p: { ecosystem: string; name: string; purl?: string | undefined },
  sourcePackage: string,
  release: string | undefined,
): boolean {
  const purl = /^pkg:deb\/debian\/([^@?#/]+)/.exec(p.purl ?? '');
  if (purl) return purl[1] === sourcePackage;
  const eco = /^Debian(?::(\d{1,3}))?$/.exec(p.ecosystem);
  return !!eco && p.name === sourcePackage && (eco[1] === undefined || release === undefined || eco[1] === release);
}

function sameVersion(a: string, b: string): boolean {
  try {
    return compareDebianVersions(a, b) === 0;
  } catch {
    return false;
  }
}
