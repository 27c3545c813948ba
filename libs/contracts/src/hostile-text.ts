/**
 * Helpers for hostile input, shared by every library (one copy: issue 16): how a value read
 * from outside is shown in an error message, and how a parsed JSON value is told to be an object.
 */

/** At most `max` characters of hostile text, control and bidi characters replaced by `?`, for messages. */
export function shown(text: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Like `shown`, but a long text keeps its start and its end (for paths): `usr/share/…/evil`. */
export function shownPath(text: string, max = 200): string {
  const clean = shown(text, Number.MAX_SAFE_INTEGER);
  if (clean.length <= max) return clean;
  const head = Math.floor(max / 3);
  return `${clean.slice(0, head)}…${clean.slice(clean.length - (max - head))}`;
}

/**
 * A short, printable description of a hostile value for messages, never its content when large:
 * a string quoted, at most 60 characters of it (shown), else `an array of N`, `null` or its type.
 */
export function shownValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(shown(value, 60));
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  return typeof value;
}

/** A plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `text` has a C0/C1 control character (NUL included), a line/paragraph separator or a bidi control. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x2028 ||
      c === 0x2029 ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    )
      return true;
  }
  return false;
}

/** Quote a hostile value for an error message: JSON-quoted, escaped to ASCII, at most 60 characters of it. */
export function quoteInput(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
