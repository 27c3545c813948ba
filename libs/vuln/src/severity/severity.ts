import { VulnErrorCode, vulnError } from '../vuln-errors';

/** Severity levels, in order (index = rank). `unknown` ranks lowest: nothing said it. */
export const SEVERITIES = ['unknown', 'none', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/** The CVSS (v3 and v4 alike) qualitative rating of a base score. */
export function ratingOf(score: number): Severity {
  if (score <= 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

/**
 * The Debian security tracker's `urgency` as a severity: the factory's one mapping (the scan's
 * tracker-ingest and the watcher's debian_tracker feed, libs/sources, both use it). The tracker
 * marks an urgency not yet reviewed with a trailing `*` or `**` (e.g. `low**`): the mark is dropped.
 *   unimportant → low   (the tracker's "no security impact worth an update"; kept, ranked lowest)
 *   low → low, medium → medium, high → high
 *   not yet assigned, end-of-life, anything else → unknown
 * The tracker has no "critical": a CVSS score from another feed may raise it when merged.
 */
export function severityOfUrgency(urgency: unknown): Severity {
  if (typeof urgency !== 'string') return 'unknown';
  switch (urgency.replace(/\*+$/, '').trim()) {
    case 'unimportant':
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'high':
      return 'high';
    default:
      return 'unknown';
  }
}

/** A feed's own severity word (`database_specific.severity`, GHSA's MODERATE…) as a severity. */
export function severityOfWord(word: unknown): Severity {
  if (typeof word !== 'string') return 'unknown';
  const w = word.trim().toLowerCase();
  if (w === 'moderate') return 'medium';
  if (w === 'important') return 'high';
  if (w === 'negligible' || w === 'unimportant') return 'low';
  return (SEVERITIES as readonly string[]).includes(w) ? (w as Severity) : 'unknown';
}

const V4_METRICS = /^CVSS:4\.0(\/[A-Za-z]{1,3}:[A-Za-z]{1,2}){11,40}$/;

/**
 * A CVSS v4.0 vector's severity. The v4 score needs FIRST's macro-vector lookup table, which
 * this lib does not carry: when the feed gives a numeric score (`score` holds a number, or the
 * vector is followed by ` 9.3`), that score is used; otherwise the severity is mapped from the
 * base metrics, with no score:
 *   any vulnerable or subsequent system impact High (VC/VI/VA/SC/SI/SA:H) and the attack is
 *     network, low complexity, no attack requirements, no privileges, no user interaction
 *     (AV:N/AC:L/AT:N/PR:N/UI:N)                                        → critical
 *   any impact High otherwise                                            → high
 *   any impact Low (none High)                                           → medium
 *   no impact at all                                                     → low
 */
export function cvss4Severity(text: string, where = 'cvss'): { severity: Severity; score?: number } {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  const numeric = /^(\d{1,2}(?:\.\d)?)$/.exec(trimmed) ?? /\s(\d{1,2}(?:\.\d)?)$/.exec(trimmed);
  if (numeric) {
    const score = Number(numeric[1]);
    if (score >= 0 && score <= 10) return { severity: ratingOf(score), score };
  }
  const vector = trimmed.split(/\s/)[0] ?? '';
  if (!V4_METRICS.test(vector))
    throw vulnError(
      VulnErrorCode.invalidCvss,
      where,
      `expected a CVSS:4.0 vector or a score, got ${JSON.stringify(trimmed.slice(0, 60))}`,
    );
  const m = new Map(
    vector
      .split('/')
      .slice(1)
      .map((p) => p.split(':') as [string, string]),
  );
  for (const key of ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA']) {
    if (!m.has(key))
      throw vulnError(VulnErrorCode.invalidCvss, where, `the base metric ${key} is missing in ${vector.slice(0, 80)}`);
  }
  const impacts = ['VC', 'VI', 'VA', 'SC', 'SI', 'SA'].map((k) => m.get(k));
  const easy =
    m.get('AV') === 'N' && m.get('AC') === 'L' && m.get('AT') === 'N' && m.get('PR') === 'N' && m.get('UI') === 'N';
  if (impacts.includes('H')) return { severity: easy ? 'critical' : 'high' };
  if (impacts.includes('L')) return { severity: 'medium' };
  return { severity: 'low' };
}
