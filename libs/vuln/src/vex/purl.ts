/** The parts of a package URL (`pkg:type/namespace/name@version?qualifiers#subpath`) that matching needs. */
export interface Purl {
  type: string;
  namespace: string;
  name: string;
  version?: string;
  qualifiers: Record<string, string>;
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Parses a purl tolerantly (qualifiers and subpath optional, percent-decoding); undefined when not one. */
export function parsePurl(text: unknown): Purl | undefined {
  if (typeof text !== 'string' || text.length > 2048) return undefined;
  const m = /^pkg:([A-Za-z][A-Za-z0-9.+-]*)\/+([^?#]+?)(?:\?([^#]*))?(?:#.*)?$/.exec(text);
  if (!m) return undefined;
  let path = m[2] as string;
  let version: string | undefined;
  const at = path.lastIndexOf('@');
  if (at > 0) {
    version = decode(path.slice(at + 1));
    path = path.slice(0, at);
  }
  const segments = path.split('/').filter(Boolean);
  const name = segments.pop();
  if (!name) return undefined;
  const qualifiers: Record<string, string> = {};
  for (const pair of (m[3] ?? '').split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) qualifiers[pair.slice(0, eq).toLowerCase()] = decode(pair.slice(eq + 1));
  }
  return { type: (m[1] as string).toLowerCase(), namespace: segments.map(decode).join('/'), name: decode(name), ...(version !== undefined ? { version } : {}), qualifiers };
}

/** A purl component, percent-encoded as the purl spec asks (`:` and `/` in a version too). */
export const purlEncode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Image product types: the purl names an image, not a package. */
export const IMAGE_TYPES = new Set(['oci', 'docker']);
