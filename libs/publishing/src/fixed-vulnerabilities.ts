import { readJsonDocument } from './run-outputs';

const MAX_IDS = 10_000;

/** The vulnerability ids a scan report lists as fixed against the previous image (`diff.fixed[].id`), unique and sorted. */
export async function fixedVulnerabilities(scanReport: string): Promise<string[]> {
  const report = (await readJsonDocument(scanReport, 'the scan report')) as { diff?: { fixed?: { id?: unknown }[] } };
  const fixed = Array.isArray(report.diff?.fixed) ? report.diff.fixed : [];
  const ids = new Set<string>();
  for (const f of fixed) if (typeof f?.id === 'string' && f.id.length > 0 && f.id.length <= 100) ids.add(f.id);
  return [...ids].sort().slice(0, MAX_IDS);
}
