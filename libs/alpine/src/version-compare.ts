const SUFFIX_ORDER = ['alpha', 'beta', 'pre', 'rc', '', 'cvs', 'svn', 'git', 'hg', 'p'] as const;
const VERSION =
  /^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)(?:~([0-9a-f]+))?(?:-r(\d+))?$/;

interface ApkVersion {
  numbers: string[];
  letter: string;
  suffixes: { kind: number; n: bigint }[];
  hash: string;
  revision: bigint;
}

/** An Alpine package version's parts; throws on text that is not one (apk-tools' syntax). */
export function parseApkVersion(version: string): ApkVersion {
  const m = version.length <= 128 ? VERSION.exec(version) : null;
  if (!m)
    throw new Error(
      `"${version.slice(0, 80)}" is not an Alpine package version (like 1.2.3, 1.2.3a, 1.2.3_rc1, 1.2.3-r0)`,
    );
  const suffixes = [...(m[3] ?? '').matchAll(/_([a-z]+)(\d*)/g)].map((s) => ({
    kind: SUFFIX_ORDER.indexOf(s[1] as (typeof SUFFIX_ORDER)[number]),
    n: BigInt(s[2] || '0'),
  }));
  return {
    numbers: (m[1] as string).split('.'),
    letter: m[2] ?? '',
    suffixes,
    hash: m[4] ?? '',
    revision: BigInt(m[5] ?? '0'),
  };
}

/**
 * Alpine package version comparison in apk-tools' order: numeric components (after the
 * first, one with a leading zero compares as a decimal fraction), then the letter, then
 * suffixes (_alpha < _beta < _pre < _rc < none < _cvs < _svn < _git < _hg < _p, each with
 * its number), then the `-rN` package revision. Returns < 0, 0 or > 0.
 */
export function compareApkVersions(a: string, b: string): number {
  const x = parseApkVersion(a);
  const y = parseApkVersion(b);
  const n = Math.max(x.numbers.length, y.numbers.length);
  for (let i = 0; i < n; i++) {
    const p = x.numbers[i];
    const q = y.numbers[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const c = compareComponent(p, q, i === 0);
    if (c) return c;
  }
  if (x.letter !== y.letter) return x.letter < y.letter ? -1 : 1;
  const m = Math.max(x.suffixes.length, y.suffixes.length);
  const none = SUFFIX_ORDER.indexOf('');
  for (let i = 0; i < m; i++) {
    const s = x.suffixes[i] ?? { kind: none, n: 0n };
    const t = y.suffixes[i] ?? { kind: none, n: 0n };
    if (s.kind !== t.kind) return s.kind - t.kind;
    if (s.n !== t.n) return s.n < t.n ? -1 : 1;
  }
  if (x.revision !== y.revision) return x.revision < y.revision ? -1 : 1;
  return 0;
}

function compareComponent(p: string, q: string, first: boolean): number {
  if (!first && (p.startsWith('0') || q.startsWith('0'))) {
    // Fractional comparison: 1.01 < 1.1, and 1.010 == 1.01 is not equal in text, compare as strings padded.
    const len = Math.max(p.length, q.length);
    const a = p.padEnd(len, '0');
    const b = q.padEnd(len, '0');
    if (a !== b) return a < b ? -1 : 1;
    return p.length - q.length;
  }
  const a = BigInt(p);
  const b = BigInt(q);
  return a === b ? 0 : a < b ? -1 : 1;
}
