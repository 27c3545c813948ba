import { SEVERITIES, severityRank, type Severity, type VexOutcome } from '@patch-factory/vuln';
import { safeText } from './terminal-text';

export interface ScanCounts {
  /** Findings before VEX. */
  total: number;
  /** Findings after VEX (those that stand). */
  afterVex: number;
  suppressed: number;
  /** Findings after VEX with a fixed version. */
  fixable: number;
  /** Findings after VEX by severity. */
  bySeverity: Record<Severity, number>;
}

export interface ScanReport {
  image: { digest: string; platform: string; manifestDigest: string; distro: string; name?: string };
  findings: VexOutcome['findings'];
  suppressed: VexOutcome['suppressed'];
  counts: ScanCounts;
}

/** The findings that stand, most severe first, then by package and id. */
export function scanReport(image: ScanReport['image'], outcome: VexOutcome): ScanReport {
  const findings = [...outcome.findings].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || cmp(a.package, b.package) || cmp(a.id, b.id),
  );
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) bySeverity[f.severity]++;
  return {
    image,
    findings,
    suppressed: outcome.suppressed,
    counts: {
      total: findings.length + outcome.suppressed.length,
      afterVex: findings.length,
      suppressed: outcome.suppressed.length,
      fixable: findings.filter((f) => f.fixable).length,
      bySeverity,
    },
  };
}

/** The human report: a table of the findings after VEX, then the counts. */
export function scanLines(report: ScanReport): string[] {
  const head = ['ID', 'PACKAGE', 'INSTALLED', 'FIXED', 'SEVERITY'];
  const rows = report.findings.map((f) =>
    [f.id, f.package, f.installed, f.fixedVersion ?? '-', f.severity].map((c) => safeText(c, 120)),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  const c = report.counts;
  const severities = [...SEVERITIES]
    .reverse()
    .filter((s) => c.bySeverity[s] > 0)
    .map((s) => `${s} ${c.bySeverity[s]}`);
  return [
    `image ${report.image.digest} ${safeText(report.image.platform, 80)} (${safeText(report.image.distro, 40)})`,
    ...(rows.length ? [line(head), ...rows.map(line)] : ['no findings']),
    `findings: ${c.total} before VEX, ${c.afterVex} after VEX (${c.suppressed} suppressed); ${c.fixable} fixable`,
    `by severity: ${severities.length ? severities.join(', ') : 'none'}`,
  ];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
