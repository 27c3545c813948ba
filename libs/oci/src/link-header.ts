/**
 * The target of the `rel="next"` entry of an RFC 8288 `Link` header (`<url>; rel="next"`),
 * resolved against `base`; undefined when there is none or it does not parse. Hostile: the
 * caller checks where it points before following it.
 */
export function nextLink(header: string | null, base: string): URL | undefined {
  if (!header || header.length > 4096) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*((?:;\s*[^;]*)*)$/.exec(part);
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    if (!/;\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(m[2])) continue;
    try {
      return new URL(m[1], base);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
