import { TerminalError } from '@patch-factory/contracts';
import { SourceErrorCode } from './sources-errors';

/** Longest `match` pattern accepted. */
export const MAX_PATTERN_LENGTH = 256;
/** Longest string a pattern is ever applied to (longer upstream values are rejected first). */
export const MAX_INPUT_LENGTH = 256;
/** Most unbounded quantifiers (`*`, `+`, `{n,}`) in one pattern. */
const MAX_UNBOUNDED = 6;

/** A compiled `match` pattern that only runs on bounded strings. */
export interface SafeMatch {
  readonly source: string;
  /**
   * Apply the pattern to `input` (at most MAX_INPUT_LENGTH characters, else no match). Returns
   * the extracted value — the `version` named group, else the first capture group, else the
   * whole match — or undefined when it does not match.
   */
  extract(input: string): string | undefined;
}

function refuse(pattern: string, why: string): never {
  throw new TerminalError(
    SourceErrorCode.invalidConfig,
    `the match pattern ${JSON.stringify(pattern.slice(0, 60))} is refused: ${why}`,
  );
}

/**
 * A repeated group of the form `<separator><digits or class><repetition>` (`(?:\.\d+)*`,
 * `(-[0-9a-z]+)+`): each repetition starts with a punctuation separator its repeated letters or
 * digits cannot match, so there is one way to split the input and no backtracking blow-up.
 */
function isSeparatedRepeat(body: string): boolean {
  const m =
    /^(?:\?:|\?<[A-Za-z_][A-Za-z0-9_]*>)?(\\[.\-_+~/]|[-_~/])(\\d|\[([^\]\\]*)\])(?:[+*]|\{\d+(?:,\d*)?\})$/.exec(body);
  if (!m?.[1] || !m[2]) return false;
  // The class holds only letters, digits and their ranges: never the (punctuation) separator.
  return m[3] === undefined || /^(?:[a-z]-[a-z]|[A-Z]-[A-Z]|[0-9]-[0-9]|[A-Za-z0-9])+$/.test(m[3]);
}

/**
 * Reject what makes a backtracking engine slow without running it: backreferences, lookbehind,
 * a group repeated without a small bound that holds a quantifier or an alternation (`(a+)+`,
 * `(a|a)*`; `(-(\w+))?` and separated repeats such as `(?:\.\d+)*` are fine), and more than
 * MAX_UNBOUNDED unbounded quantifiers. A static scan, no timeout.
 */
function assertLinearEnough(p: string): void {
  if (/\\[1-9]|\\k</.test(p)) refuse(p, 'backreferences are not allowed');
  if (/\(\?<[=!]/.test(p)) refuse(p, 'lookbehind is not allowed');
  interface Group {
    start: number;
    risky: boolean;
  }
  const stack: Group[] = [];
  let unbounded = 0;
  let inClass = false;
  const quantifierAt = (i: number): { unbounded: boolean; len: number } | undefined => {
    const c = p[i];
    if (c === '*' || c === '+') return { unbounded: true, len: 1 };
    if (c === '?') return { unbounded: false, len: 1 };
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (m) return { unbounded: m[2] !== undefined && (m[3] === '' || Number(m[3]) > 16), len: m[0].length };
    }
    return undefined;
  };
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push({ start: i + 1, risky: false });
      // Skip a group's modifier (`?:`, `?=`, `?!`, `?<name>`): its `?` is no quantifier.
      const modifier = /^\?(?::|=|!|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(p.slice(i + 1));
      if (modifier) i += modifier[0].length;
      continue;
    }
    if (c === ')') {
      const g = stack.pop();
      if (!g) refuse(p, 'unbalanced parenthesis');
      const q = quantifierAt(i + 1);
      if (q?.unbounded && g.risky && !isSeparatedRepeat(p.slice(g.start, i))) {
        refuse(p, 'a repeated group holds a repetition or an alternation (catastrophic backtracking)');
      }
      // A group that is quantified (or holds a quantifier) makes its parent risky.
      const parent = stack[stack.length - 1];
      if (parent && (q || g.risky)) parent.risky = true;
      continue;
    }
    if (c === '|') {
      const top = stack[stack.length - 1];
      if (top) top.risky = true;
      continue;
    }
    const q = quantifierAt(i);
    if (q) {
      if (q.unbounded) unbounded++;
      const top = stack[stack.length - 1];
      if (top) top.risky = true;
      i += q.len - 1;
      if (p[i + 1] === '?' || p[i + 1] === '+') i++;
      continue;
    }
  }
  if (inClass) refuse(p, 'unterminated character class');
  if (stack.length > 0) refuse(p, 'unbalanced parenthesis');
  if (unbounded > MAX_UNBOUNDED) refuse(p, `more than ${MAX_UNBOUNDED} unbounded repetitions`);
}

/**
 * Compile a track's `match` (a regular expression; Python/Go `(?P<name>…)` groups are read
 * as JavaScript named groups). Throws TerminalError(source-invalid-config) when the pattern is
 * longer than MAX_PATTERN_LENGTH, risks catastrophic backtracking, or does not compile.
 */
export function compileMatch(pattern: string): SafeMatch {
  if (pattern.length > MAX_PATTERN_LENGTH) refuse(pattern, `it is longer than ${MAX_PATTERN_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(pattern)) refuse(pattern, 'it has control characters');
  const js = pattern.replace(/\(\?P</g, '(?<');
  assertLinearEnough(js);
  let re: RegExp;
  try {
    re = new RegExp(js);
  } catch (error) {
    refuse(pattern, `it does not compile (${error instanceof Error ? error.message.slice(0, 100) : 'invalid'})`);
  }
  return {
    source: pattern,
    extract: (input) => {
      if (input.length > MAX_INPUT_LENGTH) return undefined;
      const m = re.exec(input);
      if (!m) return undefined;
      return m.groups?.['version'] ?? m[1] ?? m[0];
    },
  };
}
