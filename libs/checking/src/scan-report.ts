import type { Finding, VexVerdict, VexedFinding } from '@patch-factory/vuln';

/** A finding of one platform of the image. */
export type ScanFinding = VexedFinding & { platform: string };

/** A vulnerability of a package, whatever the platform: what the diff and the gate compare. */
export interface FindingRef {
  id: string;
  package: string;
  installed: string;
  fixedVersion?: string;
  fixable: boolean;
  severity: Finding['severity'];
}

export interface PackageChange {
  name: string;
  /** Absent: the package is new. */
  from?: string;
  /** Absent: the package is gone. */
  to?: string;
}

export interface ScanDiff {
  /** The run whose report this one is compared with; absent when there was none. */
  previousRunId?: string;
  /**
   * What that run was: the image last `published` (promoted) from the definition — the digest
   * consumers have now — or, before anything was published, the `last-passing-scan`.
   */
  against?: { kind: 'published' | 'last-passing-scan'; runId: string; digest?: string };
  /**
   * Fixed by this image: the previous image is vulnerable under TODAY's advisories (its stored
   * package list rescanned, see rescanBaseline) and this one is not. Without a rescan (none
   * given), in the previous report and not in this one.
   */
  fixed: FindingRef[];
  /**
   * In the previous report when it was made, but neither the previous image under today's
   * advisories nor this one has it: the advisory was withdrawn or corrected (or a VEX statement
   * now covers it). Never counted as fixed.
   */
  withdrawn?: FindingRef[];
  /** In this report, not in the previous one (everything, when there is no previous one). */
  new: FindingRef[];
  /** Packages added, removed or at another version. */
  packagesChanged: PackageChange[];
}

export interface ScanPlatform {
  platform: string;
  /** `debian-12`, when the image has an os-release. */
  distro?: string;
  /** Its installed packages, with their source package and version (since issue 15): what a later diff rescans. */
  packages: { name: string; version: string; arch: string; source?: string; sourceVersion?: string }[];
  /** The SBOM files, when they were made. */
  sbom?: { cyclonedx: string; spdx: string };
  /** Why there is no SBOM. */
  sbomProblem?: string;
  /** What breaks the official schema of its SBOMs (`CycloneDX 1.6 at /components/3: …`): fails the `sbom-invalid` gate. */
  sbomInvalid?: string[];
}

export interface ScanCounts {
  findings: number;
  fixable: number;
  suppressed: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  none: number;
  unknown: number;
}

/** `<out>/<runId>/scan-report.json`. */
export interface ScanReport {
  definition: string;
  runId: string;
  digest: string;
  platforms: ScanPlatform[];
  findings: ScanFinding[];
  suppressed: { finding: Finding & { platform: string }; vex: VexVerdict }[];
  counts: ScanCounts;
  diff: ScanDiff;
  /** Advisory files read, how many OSV documents came from the store, and their problems (the first ones). */
  advisories: { files: string[]; stored?: number; problems: string[] };
}

/** The part of a report the diff needs. */
export type ComparableReport = Pick<ScanReport, 'findings' | 'platforms'>;

const key = (f: { id: string; package: string }) => `${f.id}\u0000${f.package}`;

/** The findings of a report once per vulnerability and package (platforms merged), sorted. */
export function findingRefs(findings: readonly Finding[]): FindingRef[] {
  const out = new Map<string, FindingRef>();
  for (const f of findings) {
    if (out.has(key(f))) continue;
    out.set(key(f), {
      id: f.id,
      package: f.package,
      installed: f.installed,
      ...(f.fixedVersion === undefined ? {} : { fixedVersion: f.fixedVersion }),
      fixable: f.fixable,
      severity: f.severity,
    });
  }
  return [...out.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function packageVersions(report: ComparableReport): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of report.platforms)
    for (const pkg of p.packages) if (!out.has(pkg.name)) out.set(pkg.name, pkg.version);
  return out;
}

/**
 * What changed from `previous` to `current` (no previous: every finding is new, no package
 * changed). `rescanned`: the previous image's findings under today's advisories (rescanBaseline);
 * given, `fixed` is what it has and `current` has not, and `withdrawn` what only its stale report
 * had. `new` compares with the previous report as stored (what the gate has let through).
 */
export function diffScans(
  current: ComparableReport,
  previous?: ComparableReport & { runId?: string; against?: ScanDiff['against'] },
  rescanned?: readonly Finding[],
): ScanDiff {
  const now = findingRefs(current.findings);
  if (previous === undefined) return { fixed: [], new: now, packagesChanged: [] };
  const before = findingRefs(previous.findings);
  const nowKeys = new Set(now.map(key));
  const beforeKeys = new Set(before.map(key));
  const was = packageVersions(previous);
  const is = packageVersions(current);
  const packagesChanged: PackageChange[] = [];
  for (const name of [...new Set([...was.keys(), ...is.keys()])].sort()) {
    const from = was.get(name);
    const to = is.get(name);
    if (from !== to)
      packagesChanged.push({ name, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
  }
  return {
    ...(previous.runId === undefined ? {} : { previousRunId: previous.runId }),
    ...(previous.against === undefined ? {} : { against: previous.against }),
    ...fixedAndWithdrawn(before, rescanned === undefined ? undefined : findingRefs(rescanned), nowKeys),
    new: now.filter((f) => !beforeKeys.has(key(f))),
    packagesChanged,
  };
}

function fixedAndWithdrawn(
  stored: FindingRef[],
  today: FindingRef[] | undefined,
  nowKeys: Set<string>,
): Pick<ScanDiff, 'fixed' | 'withdrawn'> {
  if (today === undefined) return { fixed: stored.filter((f) => !nowKeys.has(key(f))) };
  const todayKeys = new Set(today.map(key));
  return {
    fixed: today.filter((f) => !nowKeys.has(key(f))),
    withdrawn: stored.filter((f) => !todayKeys.has(key(f)) && !nowKeys.has(key(f))),
  };
}

/** Counts of the standing findings by severity, fixable ones, suppressed ones. */
export function countFindings(findings: readonly Finding[], suppressed: number): ScanCounts {
  const counts: ScanCounts = {
    findings: findings.length,
    fixable: 0,
    suppressed,
    critical: 0,
    high: 0,
    medium: 0,
    low: 0,
    none: 0,
    unknown: 0,
  };
  for (const f of findings) {
    if (f.fixable) counts.fixable++;
    counts[f.severity]++;
  }
  return counts;
}
