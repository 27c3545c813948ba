import { applyVex, scan, type Finding, type VexDocument, type VulnDb } from '@patch-factory/vuln';
import type { ComparableReport } from './scan-report';

/** What a rescan of the previous image found, and its platforms that could not be rescanned (why). */
export interface BaselineRescan {
  findings: (Finding & { platform: string })[];
  problems: string[];
}

/**
 * The previous (published) image's vulnerabilities under TODAY's advisories and catalog VEX:
 * each platform's stored package list (name, version, arch and, in reports since issue 15,
 * the source package and version; older reports have none, and the binary's name and version
 * stand for the source's) matched against `db` again, instead of trusting the findings its
 * report stored when it was scanned. A platform with no distro or no packages has no findings
 * (as in the scan itself); one whose stored list the matcher refuses is left out with a problem.
 */
export function rescanBaseline(
  previous: ComparableReport,
  db: VulnDb,
  vex: readonly VexDocument[],
  image: { name: string; digest?: string },
): BaselineRescan {
  const out: BaselineRescan = { findings: [], problems: [] };
  for (const p of previous.platforms) {
    if (p.distro === undefined || !Array.isArray(p.packages) || p.packages.length === 0) continue;
    try {
      const found = scan(db, p.packages, p.distro);
      for (const f of applyVex(found, vex, { ...image, distro: p.distro }).findings)
        out.findings.push({ ...f, platform: p.platform });
    } catch (error) {
      out.problems.push(`${String(p.platform).slice(0, 40)}: ${(error as Error).message.slice(0, 200)}`);
    }
  }
  return out;
}
