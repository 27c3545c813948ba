import { isRecord, shownValue } from '@patch-factory/contracts';
import { COMPARE, checkVersion, parseDistro } from './distro';
import { severityRank, type Severity } from './severity/severity';
import type { AdvisoryHit, FeedSource, VulnDb } from './vuln-db';
import { VulnErrorCode, vulnError } from './vuln-errors';

/** An installed package as the image's package database has it. */
export interface ScanPackage {
  name: string;
  version: string;
  arch: string;
  /** The source package (dpkg's `Source:`, maybe `name (version)`); absent: the binary's name. */
  source?: string;
  /** The source version; absent: the binary's version (or the one in `source`'s parentheses). */
  sourceVersion?: string;
}

/** One vulnerability of one installed package, merged across feeds by id and aliases. */
export interface Finding {
  /** The CVE id when any of the merged names is one, else the first advisory's id. */
  id: string;
  /** Every other name of it (advisory ids and aliases), sorted. */
  aliases: string[];
  package: string;
  installed: string;
  arch: string;
  sourcePackage: string;
  sourceVersion: string;
  fixedVersion?: string;
  fixable: boolean;
  severity: Severity;
  score?: number;
  knownExploited: boolean;
  /** The feed of the first advisory merged (OSV before the tracker). */
  source: FeedSource;
  /** Every feed that says it. */
  sources: FeedSource[];
}

const MAX_PACKAGES = 100_000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}$/;

/**
 * The findings of a package set on a distro release (`debian-12`, `alpine-3.20`): each package is
 * looked up by its SOURCE package and source version, affected when introduced ≤ v < fixed
 * (or ≤ last_affected, or an open/undetermined tracker entry: no fix) in the distro's own version
 * order (dpkg's, apk's). The advisories that say the same vulnerability (same id or alias) are
 * merged into one finding: the highest severity, score and fixed version, exploited if any says so.
 * Sorted by package, then id. Throws a located TerminalError on a malformed package.
 */
export function scan(db: VulnDb, packages: readonly unknown[], distro: string): Finding[] {
  const { family, keys } = parseDistro(distro);
  if (!Array.isArray(packages))
    throw vulnError(VulnErrorCode.invalidInput, 'packages', `expected an array, got ${shownValue(packages)}`);
  if (packages.length > MAX_PACKAGES)
    throw vulnError(VulnErrorCode.tooLarge, 'packages', `${packages.length} packages, more than ${MAX_PACKAGES}`);
  const cmp = COMPARE[family];
  const out: Finding[] = [];
  packages.forEach((raw, i) => {
    const p = checkPackage(raw, `packages[${i}]`, family);
    const hits = db.hits(keys, p.sourcePackage, p.sourceVersion);
    for (const group of mergeByAlias(hits)) out.push(findingOf(p, group, cmp));
  });
  return out.sort((a, b) =>
    a.package < b.package ? -1 : a.package > b.package ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

interface CheckedPackage {
  name: string;
  version: string;
  arch: string;
  sourcePackage: string;
  sourceVersion: string;
}

function checkPackage(raw: unknown, where: string, family: 'debian' | 'alpine'): CheckedPackage {
  if (!isRecord(raw))
    throw vulnError(VulnErrorCode.invalidInput, where, `expected a package object, got ${shownValue(raw)}`);
  const { name, version, arch, source, sourceVersion } = raw;
  if (typeof name !== 'string' || !NAME.test(name))
    throw vulnError(VulnErrorCode.invalidInput, `${where}.name`, `expected a package name, got ${shownValue(name)}`);
  const at = `${where} (${name})`;
  if (typeof arch !== 'string' || !/^[a-z0-9_-]{1,32}$/.test(arch))
    throw vulnError(
      VulnErrorCode.invalidInput,
      `${at}.arch`,
      `expected an architecture such as amd64, got ${shownValue(arch)}`,
    );
  checkVersion(family, version, `${at}.version`);
  let sourcePackage = name;
  let sourceFromField: string | undefined;
  if (source !== undefined) {
    const m =
      typeof source === 'string'
        ? /^([A-Za-z0-9][A-Za-z0-9+._-]{0,127})(?: \(([^()\s]{1,128})\))?$/.exec(source)
        : null;
    if (!m)
      throw vulnError(
        VulnErrorCode.invalidInput,
        `${at}.source`,
        `expected a source package name (or "name (version)"), got ${shownValue(source)}`,
      );
    sourcePackage = m[1] as string;
    sourceFromField = m[2];
  }
  const sv = sourceVersion ?? sourceFromField ?? version;
  checkVersion(family, sv, `${at}.sourceVersion`);
  return { name, version: version as string, arch, sourcePackage, sourceVersion: sv as string };
}

/** Groups hits that share an id or alias (union-find over names; a package has few hits). */
function mergeByAlias(hits: readonly AdvisoryHit[]): AdvisoryHit[][] {
  const parent = hits.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i] as number)));
  const owner = new Map<string, number>();
  hits.forEach((h, i) => {
    for (const name of [h.id, ...h.aliases]) {
      const o = owner.get(name);
      if (o === undefined) owner.set(name, i);
      else parent[find(i)] = find(o);
    }
  });
  const groups = new Map<number, AdvisoryHit[]>();
  hits.forEach((h, i) => {
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(h);
    else groups.set(root, [h]);
  });
  return [...groups.values()];
}

function findingOf(p: CheckedPackage, group: AdvisoryHit[], cmp: (a: string, b: string) => number): Finding {
  const ordered = [...group].sort((a, b) =>
    a.source === b.source ? (a.id < b.id ? -1 : 1) : a.source === 'osv' ? -1 : 1,
  );
  const names = new Set<string>();
  for (const h of ordered) for (const n of [h.id, ...h.aliases]) names.add(n);
  const first = ordered[0] as AdvisoryHit;
  const cve = [...names].filter((n) => /^CVE-\d{4}-\d+$/.test(n)).sort()[0];
  const id = cve ?? first.id;
  let severity: Severity = 'unknown';
  let score: number | undefined;
  let fixedVersion: string | undefined;
  for (const h of ordered) {
    if (severityRank(h.severity) > severityRank(severity)) severity = h.severity;
    if (h.score !== undefined && (score === undefined || h.score > score)) score = h.score;
    if (h.fixedVersion !== undefined && (fixedVersion === undefined || cmp(h.fixedVersion, fixedVersion) > 0))
      fixedVersion = h.fixedVersion;
  }
  const finding: Finding = {
    id,
    aliases: [...names].filter((n) => n !== id).sort(),
    package: p.name,
    installed: p.version,
    arch: p.arch,
    sourcePackage: p.sourcePackage,
    sourceVersion: p.sourceVersion,
    fixable: fixedVersion !== undefined,
    severity,
    knownExploited: ordered.some((h) => h.knownExploited),
    source: first.source,
    sources: [...new Set(ordered.map((h) => h.source))],
  };
  if (fixedVersion !== undefined) finding.fixedVersion = fixedVersion;
  if (score !== undefined) finding.score = score;
  return finding;
}
