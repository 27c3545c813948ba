/** Numeric runs, and runs of anything else. */
const TOKEN = /\d+|\D+/g;

function compareTokens(a: string, b: string): number {
  const an = /^\d/.test(a);
  const bn = /^\d/.test(b);
  if (an && bn) {
    const x = a.replace(/^0+(?=\d)/, '');
    const y = b.replace(/^0+(?=\d)/, '');
    return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
  }
  if (an !== bn) return an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Order two versions: numeric runs by value, other runs by code point; a version is older than
 * itself followed by more, except a pre-release suffix (`-rc1`, `~beta`): `1.0-rc1 < 1.0 < 1.0.1`.
 * A heuristic for choosing which tags to resolve first, not a semantic-version judge.
 */
export function compareVersions(a: string, b: string): number {
  const x = a.match(TOKEN) ?? [];
  const y = b.match(TOKEN) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = compareTokens(x[i] ?? '', y[i] ?? '');
    if (c !== 0) {
      const xs = x[i] ?? '';
      const ys = y[i] ?? '';
      // "1.0-rc1" vs "1.0.1": the token after "1.0" is "-rc" vs "."; a pre-release separator sorts first.
      if (/^[-~]/.test(xs) && !/^[-~]/.test(ys)) return -1;
      if (/^[-~]/.test(ys) && !/^[-~]/.test(xs)) return 1;
      return c;
    }
  }
  if (x.length === y.length) return 0;
  const longer = x.length > y.length ? x : y;
  const next = longer[Math.min(x.length, y.length)] ?? '';
  const preRelease = /^[-~]/.test(next);
  const sign = x.length > y.length ? 1 : -1;
  return preRelease ? -sign : sign;
}
