/**
 * The whole-token rule: where a variable's value stands as itself in a rendered text, and not
 * as a piece of another version. A value `V` is found at a position when
 *
 * before it:
 * - no letter or digit is glued to it (`libother=12.36.12`, `x2.36.12` are other tokens),
 *   except one `v`/`V` that is itself not glued to a letter, digit or dot: `#v2.36.12`,
 *   `@v2.36.12`, `node-v2.36.12` render the value as a release tag, `dev2.36.12` does not;
 * - no digit-and-dot is glued to it (`x=1.2.36.12` holds the longer version 1.2.36.12);
 *   a dot after a letter is a file-name separator (`Bundle.2.36.12_linux.zip`);
 *
 * after it:
 * - no digit and no dot-and-digit (`2.36.121`, `2.36.12.1` are other versions).
 *   Anything else may follow, because the catalog renders suffixes onto values:
 *   a revision (`2.36.12-1`, `-r0`), Debian or build metadata (`+deb12u1`, `~bpo12+1`),
 *   a distro or variant (`-debian13`, `-alpine3.24`), a file name (`.tar.gz`, `_linux`),
 *   a digest (`@sha256:…`).
 *
 * The rule is the same for every value (versions, commit hashes, image references, URLs):
 * what a value starts and ends with decides which characters count as glued. A value that
 * starts with `v` or a letter is not given the optional `v`.
 */
export function wholeTokenSource(value: string): string {
  const free = '(?<![A-Za-z0-9])';
  const before = /^[0-9]/.test(value)
    ? `(?<![0-9]\\.)(?:${free}|(?<=(?:^|[^A-Za-z0-9.])[vV]))`
    : `(?<![0-9]\\.)${free}`;
  return `${before}${escapeRegExp(value)}(?![0-9]|\\.[0-9])`;
}

/** Whether `value` stands as a whole token at `index` of `text` (see wholeTokenSource). */
export function isWholeTokenAt(text: string, index: number, value: string): boolean {
  if (text.slice(index, index + value.length) !== value) return false;
  const re = new RegExp(wholeTokenSource(value), 'y');
  re.lastIndex = index;
  return re.test(text);
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
