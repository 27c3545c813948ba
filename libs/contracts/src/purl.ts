/**
 * The package URL helpers every library shares (one copy: issue 16). Two parsers, on purpose:
 * `parsePurlStrict` (purl.schema.ts) checks a purl whole, as the factory's own inputs must be
 * (advisories, catalog refs), and keeps its components percent-encoded; `parsePurl` reads the
 * purls of third-party documents (an OpenVEX product or subcomponent) tolerantly, decoded, for
 * matching. The builders (libs/sbom's debPurl…, libs/vuln's imagePurl…) encode with purlEncode.
 */

/** The parts of a package URL (`pkg:type/namespace/name@version?qualifiers#subpath`) that matching needs, percent-decoded. */
export interface Purl {
  type: string;
  namespace: string;
  name: string;
  version?: string;
  qualifiers: Record<string, string>;
}

/** Longest text parsePurl reads. */
const MAX_TOLERANT_LENGTH = 2048;

/** One purl component percent-decoded; the text as it is when its escapes are malformed (`%zz`). */
export function purlDecode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

/** Percent-encodes one purl component (purl-spec: `:` as %3A, `+` as %2B, `/` in a version too; unreserved characters kept). */
export function purlEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Parses a purl tolerantly, undefined when it is not one: qualifiers and subpath optional, the
 * subpath dropped, repeated `/` taken as one, type and qualifier keys lowercased, components and
 * qualifier values percent-decoded (kept as they are when malformed), a qualifier without `=` or
 * key skipped. Not a check: PurlSchema / parsePurlStrict are.
 */
export function parsePurl(text: unknown): Purl | undefined {
  if (typeof text !== 'string' || text.length > MAX_TOLERANT_LENGTH) return undefined;
  const m = /^pkg:([A-Za-z][A-Za-z0-9.+-]*)\/+([^?#]+?)(?:\?([^#]*))?(?:#.*)?$/.exec(text);
  if (!m) return undefined;
  let path = m[2] as string;
  let version: string | undefined;
  const at = path.lastIndexOf('@');
  if (at > 0) {
    version = purlDecode(path.slice(at + 1));
    path = path.slice(0, at);
  }
  const segments = path.split('/').filter(Boolean);
  const name = segments.pop();
  if (!name) return undefined;
  const qualifiers: Record<string, string> = {};
  for (const pair of (m[3] ?? '').split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) qualifiers[pair.slice(0, eq).toLowerCase()] = purlDecode(pair.slice(eq + 1));
  }
  return {
    type: (m[1] as string).toLowerCase(),
    namespace: segments.map(purlDecode).join('/'),
    name: purlDecode(name),
    ...(version !== undefined ? { version } : {}),
    qualifiers,
  };
}
