import { COMPARE, checkVersion, type Family } from './distro';
import { VulnErrorCode, vulnError } from './vuln-errors';

/**
 * How an interval ends: Fixed = [lo, hi) with hi the fixed version; LastAffected = [lo, hi], no
 * fix known; Open = [lo, ∞), no fix; Exact = exactly lo (an OSV `versions` entry); Limit =
 * [lo, hi) from an OSV `limit`, not a fix.
 */
export const End = { Fixed: 0, LastAffected: 1, Open: 2, Exact: 3, Limit: 4 } as const;
export type End = (typeof End)[keyof typeof End];

export interface Interval {
  /** '' = from the lowest version (`introduced: "0"`). */
  lo: string;
  hi: string;
  end: End;
}

interface OsvEvent {
  introduced?: string | undefined;
  fixed?: string | undefined;
  last_affected?: string | undefined;
  limit?: string | undefined;
}

/**
 * OSV ECOSYSTEM range events as affected intervals, by the OSV evaluation: events sorted by
 * version (`introduced: "0"` first), an `introduced` opens an interval, `fixed` / `limit` close
 * it before the version, `last_affected` after it; one left open runs to the end.
 * Every version is checked against the family's syntax (throws a located error).
 */
export function intervalsOfEvents(family: Family, events: readonly OsvEvent[], where: string): Interval[] {
  const cmp = COMPARE[family];
  const flat: { kind: 'introduced' | 'fixed' | 'last_affected' | 'limit'; v: string; at: number }[] = [];
  events.forEach((e, i) => {
    const kinds = (['introduced', 'fixed', 'last_affected', 'limit'] as const).filter((k) => e[k] !== undefined);
    if (kinds.length !== 1)
      throw vulnError(
        VulnErrorCode.invalidFeed,
        `${where}.events[${i}]`,
        `an event has exactly one of introduced, fixed, last_affected, limit (has ${kinds.length})`,
      );
    const kind = kinds[0] as (typeof kinds)[number];
    const v = e[kind] as string;
    if (!(kind === 'introduced' && v === '0')) checkVersion(family, v, `${where}.events[${i}].${kind}`);
    flat.push({ kind, v, at: i });
  });
  const key = (x: (typeof flat)[number]) => (x.kind === 'introduced' && x.v === '0' ? undefined : x.v);
  flat.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === undefined || kb === undefined) return ka === kb ? a.at - b.at : ka === undefined ? -1 : 1;
    return cmp(ka, kb) || a.at - b.at;
  });
  const out: Interval[] = [];
  let lo: string | undefined;
  for (const e of flat) {
    if (e.kind === 'introduced') {
      lo ??= e.v === '0' ? '' : e.v;
    } else if (lo !== undefined) {
      out.push({
        lo,
        hi: e.v,
        end: e.kind === 'fixed' ? End.Fixed : e.kind === 'limit' ? End.Limit : End.LastAffected,
      });
      lo = undefined;
    }
  }
  if (lo !== undefined) out.push({ lo, hi: '', end: End.Open });
  return out;
}

/** Whether `v` lies in the interval (dpkg / apk order by `cmp`). */
export function inInterval(
  cmp: (a: string, b: string) => number,
  v: string,
  lo: string,
  hi: string,
  end: End,
): boolean {
  if (end === End.Exact) return cmp(v, lo) === 0;
  if (lo !== '' && cmp(v, lo) < 0) return false;
  switch (end) {
    case End.Fixed:
    case End.Limit:
      return cmp(v, hi) < 0;
    case End.LastAffected:
      return cmp(v, hi) <= 0;
    default:
      return true;
  }
}
