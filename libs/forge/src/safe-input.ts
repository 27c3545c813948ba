import {
  DefinitionPathSchema,
  hasControlCharacter,
  quoteInput,
  RunIdSchema,
  TerminalError,
} from '@patch-factory/contracts';

/** The hostile-text helpers live in libs/contracts (one copy); forge's callers reach them here too. */
export { hasControlCharacter, quoteInput };
import { ForgeErrorCode } from './forge-errors';

/** Longest branch name, catalog path or single text field we accept. */
export const MAX_NAME_LENGTH = 200;
/** Longest variable value (digests with a reference are ~130 characters). */
export const MAX_VALUE_LENGTH = 512;

const SEGMENT = /^[a-z0-9][a-z0-9._-]*$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Upstream refs: purls, image references, `owner/repo`. No spaces, quotes, `$`, `;`, backticks or `<>`. */
const REF = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;
/** Variable values: versions, digests, image references, URLs without query strings. */
const VALUE = /^[A-Za-z0-9._:/@+=~-]*$/;
const GIT_SPECIAL = new Set(['.git', '.gitattributes', '.gitmodules', '.gitignore', '.mailmap']);
const LABEL = /^[A-Za-z0-9][A-Za-z0-9 ._:/-]*$/;

function refuse(what: string, value: unknown, rule: string): never {
  throw new TerminalError(ForgeErrorCode.unsafeInput, `${what} ${quoteInput(value)} is refused: ${rule}`);
}

function requireString(what: string, value: unknown): string {
  if (typeof value !== 'string') refuse(what, value, 'expected a string');
  return value;
}

/**
 * One name segment of a branch (image, os, stream, prefix): lower-case ASCII letters, digits,
 * `.`, `_`, `-`, starting with a letter or digit, no `..`, not ending in `.` or `.lock`
 * (so it also passes `git check-ref-format`). Anything else is refused, not normalised: a
 * look-alike or a stray character means the caller has the wrong name.
 */
export function assertSafeSegment(what: string, value: unknown): string {
  const v = requireString(what, value);
  if (v.length === 0) refuse(what, v, 'it is empty');
  if (v.length > 100) refuse(what, v, 'it is longer than 100 characters');
  if (!SEGMENT.test(v)) refuse(what, v, 'use only a-z 0-9 . _ - and start with a letter or digit');
  if (v.includes('..')) refuse(what, v, 'it contains ".."');
  if (v.endsWith('.') || v.endsWith('.lock')) refuse(what, v, 'it ends in "." or ".lock"');
  return v;
}

/** A whole branch name: 1..8 safe segments separated by `/`, at most 200 characters. */
export function assertSafeBranch(value: unknown): string {
  const v = requireString('the branch name', value);
  if (v.length > MAX_NAME_LENGTH) refuse('the branch name', v, `it is longer than ${MAX_NAME_LENGTH} characters`);
  const segments = v.split('/');
  if (segments.length > 8) refuse('the branch name', v, 'it has more than 8 segments');
  for (const s of segments) assertSafeSegment('a segment of the branch name', s);
  return v;
}

/**
 * The default branch of the definitions repository (`main`, `master`, `release/2026`): like
 * a branch name but upper-case letters are allowed, since we do not choose it.
 */
export function assertSafeBaseBranch(value: unknown): string {
  const v = requireString('the base branch', value);
  if (v.length === 0 || v.length > MAX_NAME_LENGTH)
    refuse('the base branch', v, `expected 1–${MAX_NAME_LENGTH} characters`);
  for (const s of v.split('/')) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s) || s.includes('..') || s.endsWith('.') || s.endsWith('.lock')) {
      refuse('the base branch', v, 'use only letters, digits and . _ - / in git-valid segments');
    }
  }
  return v;
}

/**
 * A file path inside the catalog (`image/<name>/<os>/<stream>.yaml`): the contracts' definition
 * path rules plus at most 200 characters and no segment git itself reads (`.git`,
 * `.gitattributes`, `.gitmodules`, `.gitignore`, any case): those change how git behaves.
 */
export function assertSafeCatalogPath(value: unknown): string {
  const v = requireString('the file path', value);
  if (v.length > MAX_NAME_LENGTH) refuse('the file path', v, `it is longer than ${MAX_NAME_LENGTH} characters`);
  const parsed = DefinitionPathSchema.safeParse(v);
  if (!parsed.success) refuse('the file path', v, parsed.error.issues[0]?.message ?? 'not a catalog path');
  if (v.startsWith('-')) refuse('the file path', v, 'it starts with "-"');
  if (v.split('/').some((s) => GIT_SPECIAL.has(s.toLowerCase())))
    refuse('the file path', v, 'it names a file or folder git itself reads');
  return v;
}

/** A run id as the contracts define it (`run_<ULID>`): it ends up in commit trailers. */
export function assertSafeRunId(value: unknown): string {
  const v = requireString('the run id', value);
  if (!RunIdSchema.safeParse(v).success) refuse('the run id', v, 'expected run_ and 26 Crockford base32 characters');
  return v;
}

/** An upstream ref (purl, image reference, `owner/repo`) as it appears in subjects. */
export function assertSafeRef(value: unknown): string {
  const v = requireString('the upstream ref', value);
  if (v.length === 0 || v.length > MAX_NAME_LENGTH)
    refuse('the upstream ref', v, `expected 1–${MAX_NAME_LENGTH} characters`);
  if (!REF.test(v)) refuse('the upstream ref', v, 'use only letters, digits and . _ : / @ + -');
  return v;
}

/** A variable name (`NGINX_VERSION`). */
export function assertSafeVarName(value: unknown): string {
  const v = requireString('the variable name', value);
  if (!VAR_NAME.test(v)) refuse('the variable name', v, 'expected letters, digits and _ (at most 128)');
  return v;
}

/** A variable value (a version, a digest, an image reference). */
export function assertSafeVarValue(value: unknown): string {
  const v = requireString('the variable value', value);
  if (v.length > MAX_VALUE_LENGTH) refuse('the variable value', v, `it is longer than ${MAX_VALUE_LENGTH} characters`);
  if (!VALUE.test(v)) refuse('the variable value', v, 'use only letters, digits and . _ : / @ + = ~ -');
  return v;
}

/** A pull request label: printable ASCII words, at most 50 characters (GitHub's limit). */
export function assertSafeLabel(value: unknown): string {
  const v = requireString('the label', value);
  if (v.length === 0 || v.length > 50 || !LABEL.test(v) || v.endsWith(' ')) {
    refuse('the label', v, 'expected 1–50 letters, digits, spaces and . _ : / -');
  }
  return v;
}

/**
 * Free text (a title, a reason): printable characters, no control characters or line breaks,
 * no bidi overrides, bounded length. Markdown in it is quoted by the caller.
 */
export function assertSafeLine(what: string, value: unknown, max = MAX_NAME_LENGTH): string {
  const v = requireString(what, value);
  if (v.length === 0 || v.length > max) refuse(what, v, `expected 1–${max} characters`);
  if (hasControlCharacter(v)) refuse(what, v, 'it contains a control character or line break');
  return v;
}
