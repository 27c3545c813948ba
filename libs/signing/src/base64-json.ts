/** A string JSON.stringify escapes (NUL), so it cannot occur in the output unless we put it there. */
const PLACEHOLDER = '\u0000pf-base64\u0000';
const PLACEHOLDER_JSON = JSON.stringify(PLACEHOLDER);

/**
 * `JSON.stringify(value)` where `value` holds {@link base64Placeholder} once and `base64` goes in
 * its place: the large string is not scanned for escapes a second time. Only for strings made by
 * `Buffer.toString('base64')` (nothing in them needs escaping).
 */
export function stringifyWithBase64(value: unknown, base64: string): string {
  const text = JSON.stringify(value);
  const at = text.indexOf(PLACEHOLDER_JSON);
  if (at < 0 || text.indexOf(PLACEHOLDER_JSON, at + 1) >= 0)
    throw new Error('stringifyWithBase64: the value must hold the placeholder exactly once');
  return `${text.slice(0, at)}"${base64}"${text.slice(at + PLACEHOLDER_JSON.length)}`;
}

export const base64Placeholder = PLACEHOLDER;
