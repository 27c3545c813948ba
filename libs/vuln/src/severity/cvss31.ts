import { VulnErrorCode, vulnError } from '../vuln-errors';

const AV: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC: Record<string, number> = { L: 0.77, H: 0.44 };
const PR_UNCHANGED: Record<string, number> = { N: 0.85, L: 0.62, H: 0.27 };
const PR_CHANGED: Record<string, number> = { N: 0.85, L: 0.68, H: 0.5 };
const UI: Record<string, number> = { N: 0.85, R: 0.62 };
const CIA: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };
const SCOPE = new Set(['U', 'C']);
type BaseMetric = 'AV' | 'AC' | 'PR' | 'UI' | 'S' | 'C' | 'I' | 'A';

/** CVSS v3.1 Roundup (spec, Appendix A): the smallest one-decimal number >= input, free of float error. */
export function roundUp(input: number): number {
  const int = Math.round(input * 100000);
  return int % 10000 === 0 ? int / 100000 : (Math.floor(int / 10000) + 1) / 10;
}

/**
 * The CVSS v3.1 (and v3.0, same formula) base score of a vector such as
 * `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H` (9.8), by the specification's formula
 * (https://www.first.org/cvss/v3.1/specification-document, section 7.1). Temporal and
 * environmental metrics may follow and are ignored. Throws a located TerminalError on a
 * malformed vector (a base metric missing, repeated or with an unknown value).
 */
export function cvss3BaseScore(vector: string, where = 'cvss'): number {
  if (typeof vector !== 'string' || vector.length > 200 || !/^CVSS:3\.[01]\//.test(vector)) {
    throw vulnError(
      VulnErrorCode.invalidCvss,
      where,
      `expected a CVSS:3.0 or CVSS:3.1 vector, got ${JSON.stringify(String(vector).slice(0, 60))}`,
    );
  }
  const metrics = new Map<string, string>();
  for (const part of vector.split('/').slice(1)) {
    const [key, value, extra] = part.split(':');
    if (!key || value === undefined || extra !== undefined || metrics.has(key)) {
      throw vulnError(
        VulnErrorCode.invalidCvss,
        where,
        `the metric ${JSON.stringify(part.slice(0, 20))} in ${vector.slice(0, 80)} is malformed or repeated`,
      );
    }
    metrics.set(key, value);
  }
  const get = (key: BaseMetric, table: Record<string, number> | Set<string>): string => {
    const v = metrics.get(key);
    const ok = v !== undefined && (table instanceof Set ? table.has(v) : Object.hasOwn(table, v));
    if (!ok)
      throw vulnError(
        VulnErrorCode.invalidCvss,
        where,
        `the base metric ${key} is ${v === undefined ? 'missing' : `${JSON.stringify(v)}, not a valid value`} in ${vector.slice(0, 80)}`,
      );
    return v;
  };
  const changed = get('S', SCOPE) === 'C';
  const iss = 1 - (1 - (CIA[get('C', CIA)] ?? 0)) * (1 - (CIA[get('I', CIA)] ?? 0)) * (1 - (CIA[get('A', CIA)] ?? 0));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const pr = (changed ? PR_CHANGED : PR_UNCHANGED)[get('PR', PR_UNCHANGED)] ?? 0;
  const exploitability = 8.22 * (AV[get('AV', AV)] ?? 0) * (AC[get('AC', AC)] ?? 0) * pr * (UI[get('UI', UI)] ?? 0);
  if (impact <= 0) return 0;
  return changed
    ? roundUp(Math.min(1.08 * (impact + exploitability), 10))
    : roundUp(Math.min(impact + exploitability, 10));
}
