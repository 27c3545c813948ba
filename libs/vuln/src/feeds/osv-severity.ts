import { isRecord } from '@patch-factory/contracts';
import type { TerminalError } from '@patch-factory/contracts';
import { cvss3BaseScore } from '../severity/cvss31';
import { cvss4Severity, ratingOf, severityOfWord, severityRank, type Severity } from '../severity/severity';

export interface Rated {
  severity: Severity;
  score?: number;
}

/**
 * An OSV record's severity, best evidence first: the highest CVSS v3.x base score computed from
 * the `severity` vectors; else a CVSS v4 score or mapping (see cvss4Severity); else the
 * `database_specific.severity` word of the affected entry, then of the record. A malformed vector
 * is reported (not thrown) and skipped.
 */
export function osvSeverity(
  record: Record<string, unknown>,
  affected: unknown,
  where: string,
  report: (e: TerminalError) => void,
): Rated {
  const list = Array.isArray(record['severity']) ? record['severity'].slice(0, 16) : [];
  let v3: Rated | undefined;
  let v4: Rated | undefined;
  list.forEach((s, i) => {
    if (!isRecord(s) || typeof s['score'] !== 'string') return;
    const at = `${where}.severity[${i}]`;
    try {
      if (s['type'] === 'CVSS_V3') {
        const score = cvss3BaseScore(s['score'], at);
        if (!v3 || score > (v3.score ?? -1)) v3 = { severity: ratingOf(score), score };
      } else if (s['type'] === 'CVSS_V4') {
        const r = cvss4Severity(s['score'], at);
        if (!v4 || severityRank(r.severity) > severityRank(v4.severity)) v4 = r;
      }
    } catch (error) {
      report(error as TerminalError);
    }
  });
  if (v3) return v3;
  if (v4) return v4;
  const own = severityOfWord(
    isRecord(affected) && isRecord(affected['database_specific'])
      ? affected['database_specific']['severity']
      : undefined,
  );
  if (own !== 'unknown') return { severity: own };
  return {
    severity: severityOfWord(
      isRecord(record['database_specific']) ? record['database_specific']['severity'] : undefined,
    ),
  };
}

const KEV_KEYS = ['known_exploited', 'knownExploited', 'kev', 'cisa_kev', 'exploited'];

/** Whether the feed flags the record (or the affected entry) as known exploited in `database_specific`. */
export function osvKnownExploited(record: Record<string, unknown>, affected: unknown): boolean {
  const flagged = (ds: unknown) =>
    isRecord(ds) && KEV_KEYS.some((k) => ds[k] === true || isRecord(ds[k]) || ds[k] === 'true');
  return flagged(record['database_specific']) || (isRecord(affected) && flagged(affected['database_specific']));
}
