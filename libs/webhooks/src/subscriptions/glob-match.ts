/**
 * Glob matching without regular expressions built from user input: the patterns come from
 * subscribers, so matching must stay polynomial whatever they write (no ReDoS). Both levels use
 * the classic greedy wildcard algorithm with one backtrack point (the last star seen): it makes at
 * most |pattern| x |text| steps and allocates nothing. It is exact for patterns made of
 * single-element matchers and stars, which both levels are.
 *
 * - Image globs (`examples/*`, `**\/redis`, `examples/redis-*`): `*` matches any run of
 *   characters inside one path segment, `**` (a whole segment) any number of whole segments,
 *   none included. Every other character matches itself.
 * - Tag globs (`8.*`, `*-dev`): `*` matches any run of characters.
 */

/** Greedy wildcard match of `text` against `pattern` (elements), `isStar` telling the stars. */
function wildcard<P, T>(
  pattern: readonly P[],
  text: readonly T[],
  isStar: (p: P) => boolean,
  same: (p: P, t: T) => boolean,
): boolean {
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < text.length) {
    const p = pattern[pi];
    if (p !== undefined && !isStar(p) && same(p, text[ti] as T)) {
      pi++;
      ti++;
    } else if (p !== undefined && isStar(p)) {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < pattern.length && isStar(pattern[pi] as P)) pi++;
  return pi === pattern.length;
}

/** True when `text` matches `pattern`, whose `*` matches any run of characters (none included). */
export function matchStar(pattern: string, text: string): boolean {
  return wildcard(
    [...pattern],
    [...text],
    (c) => c === '*',
    (p, t) => p === t,
  );
}

/** True when the image name `name` matches the image glob `glob` (see the file's comment). */
export function matchImageGlob(glob: string, name: string): boolean {
  return wildcard(
    glob.split('/'),
    name.split('/'),
    (segment) => segment === '**',
    (segment, part) => matchStar(segment, part),
  );
}
