import type { TerminalError } from '@patch-factory/contracts';
import { COMPARE, type Family } from './distro';
import { End, inInterval, type Interval } from './ranges';
import { SEVERITIES, type Severity } from './severity/severity';

export type FeedSource = 'osv' | 'debian-tracker';
const SOURCES: readonly FeedSource[] = ['osv', 'debian-tracker'];

/** One advisory's meaning for one source package of one distro release, as a match found it. */
export interface AdvisoryHit {
  id: string;
  aliases: readonly string[];
  source: FeedSource;
  severity: Severity;
  score?: number;
  knownExploited: boolean;
  /** The fixed version of the interval the version lies in (absent: no fix known). */
  fixedVersion?: string;
}

/** What one entry adds: a source package of a distro release, its affected intervals and severity. */
export interface EntryInput {
  distroKey: string;
  family: Family;
  pkg: string;
  intervals: readonly Interval[];
  severity: Severity;
  score?: number;
  knownExploited: boolean;
}

const MAX_PROBLEMS = 1000;
const MAX_ENTRIES = 5_000_000;

/**
 * The advisory database: advisories from OSV and the Debian security tracker, indexed by distro
 * release and SOURCE package. Stored as parallel arrays (one slot per advisory, per entry, per
 * interval) with every string interned, so 100,000 advisories cost a few tens of MiB and a
 * lookup is one Map get. Feed readers (osv-ingest, tracker-ingest) fill it; `hits` queries it.
 */
export class VulnDb {
  // advisories
  private readonly advId: string[] = [];
  private readonly advAliases: (readonly string[] | undefined)[] = [];
  private readonly advSource: number[] = [];
  private readonly advIndex = new Map<string, number>();
  // entries (an advisory × source package × distro release)
  private readonly entAdv: number[] = [];
  private readonly entFirst: number[] = [];
  private readonly entCount: number[] = [];
  private readonly entSev: number[] = [];
  private readonly entScore: number[] = [];
  private readonly entKev: number[] = [];
  // intervals
  private readonly ivLo: string[] = [];
  private readonly ivHi: string[] = [];
  private readonly ivEnd: number[] = [];
  /** `<distro key>\0<source package>` → entry numbers. */
  private readonly byKey = new Map<string, number[]>();
  private readonly families = new Map<string, Family>();
  private readonly strings = new Map<string, string>();
  /** Located problems met while loading (records and entries kept out), the first 1000. */
  readonly problems: TerminalError[] = [];
  problemCount = 0;

  report(problem: TerminalError): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
  }

  get advisoryCount(): number {
    return this.advId.length;
  }

  get entryCount(): number {
    return this.entAdv.length;
  }

  get packageCount(): number {
    return this.byKey.size;
  }

  /** The advisory of this id from this feed, added once (an id may come from both feeds). */
  advisory(id: string, aliases: readonly string[] | undefined, source: FeedSource): number {
    const key = `${source}\0${id}`;
    const known = this.advIndex.get(key);
    if (known !== undefined) return known;
    const n = this.advId.length;
    this.advId.push(this.intern(id));
    this.advAliases.push(aliases && aliases.length ? aliases.map((a) => this.intern(a)) : undefined);
    this.advSource.push(SOURCES.indexOf(source));
    this.advIndex.set(key, n);
    return n;
  }

  /** Adds what an advisory says of one source package of one release. False when the database is full. */
  addEntry(advisory: number, e: EntryInput): boolean {
    if (this.entAdv.length >= MAX_ENTRIES) return false;
    const key = `${e.distroKey}\0${e.pkg}`;
    this.families.set(e.distroKey, e.family);
    const n = this.entAdv.length;
    this.entAdv.push(advisory);
    this.entFirst.push(this.ivLo.length);
    this.entCount.push(e.intervals.length);
    this.entSev.push(SEVERITIES.indexOf(e.severity));
    this.entScore.push(e.score ?? -1);
    this.entKev.push(e.knownExploited ? 1 : 0);
    for (const iv of e.intervals) {
      this.ivLo.push(this.intern(iv.lo));
      this.ivHi.push(this.intern(iv.hi));
      this.ivEnd.push(iv.end);
    }
    const list = this.byKey.get(key);
    if (list) list.push(n);
    else this.byKey.set(this.intern(key), [n]);
    return true;
  }

  /** Every advisory that says `version` of source package `pkg` is affected in one of `distroKeys`. */
  hits(distroKeys: readonly string[], pkg: string, version: string): AdvisoryHit[] {
    const out: AdvisoryHit[] = [];
    for (const distroKey of distroKeys) {
      const list = this.byKey.get(`${distroKey}\0${pkg}`);
      const family = this.families.get(distroKey);
      if (!list || !family) continue;
      const cmp = COMPARE[family];
      for (const e of list) {
        const hit = this.entryHit(e, cmp, version);
        if (hit) out.push(hit);
      }
    }
    return out;
  }

  private entryHit(e: number, cmp: (a: string, b: string) => number, version: string): AdvisoryHit | undefined {
    const first = this.entFirst[e] as number;
    const last = first + (this.entCount[e] as number);
    for (let i = first; i < last; i++) {
      const end = this.ivEnd[i] as End;
      const hi = this.ivHi[i] as string;
      if (!inInterval(cmp, version, this.ivLo[i] as string, hi, end)) continue;
      const adv = this.entAdv[e] as number;
      const score = this.entScore[e] as number;
      return {
        id: this.advId[adv] as string,
        aliases: this.advAliases[adv] ?? [],
        source: SOURCES[this.advSource[adv] as number] as FeedSource,
        severity: SEVERITIES[this.entSev[e] as number] ?? 'unknown',
        ...(score >= 0 ? { score } : {}),
        knownExploited: this.entKev[e] === 1,
        ...(end === End.Fixed ? { fixedVersion: hi } : {}),
      };
    }
    return undefined;
  }

  private intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  }
}
