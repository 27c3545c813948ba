/**
 * Text from the server (or from the command line) is hostile until escaped: control
 * characters could move the cursor, rewrite earlier lines, change the window title or
 * smuggle in hyperlinks, and bidi overrides could make text read differently than it is.
 * Everything the CLI prints goes through these functions.
 */

/** Characters that never reach the terminal raw: not printable, or reordering text. */
const INVISIBLE = '\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\u200e\\u200f\\u061c\\ufeff';
/** In plain text: every C0 control too (a newline or tab would break a table). */
const UNSAFE_IN_TEXT = new RegExp(`[\\u0000-\\u001f${INVISIBLE}]`, 'g');
/** In JSON.stringify output (which escapes C0 controls inside strings itself). */
const UNSAFE_IN_JSON = new RegExp(`[${INVISIBLE}]`, 'g');

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** One value as a single printable line, clipped to maxLength characters: controls become visible escapes. */
export function safeText(value: string | number | undefined, maxLength = 4096): string {
  const s = value === undefined ? '' : String(value);
  const clipped = s.length > maxLength ? `${s.slice(0, maxLength)}…` : s;
  return clipped.replace(UNSAFE_IN_TEXT, escapeChar);
}

/** Indented JSON (`indent` 0: one line) that is safe to print: still valid JSON with the same value. */
export function safeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    UNSAFE_IN_JSON,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
