/** What a `WWW-Authenticate` header asks for. */
export type AuthChallenge = { scheme: 'bearer'; realm: string; service?: string; scope?: string } | { scheme: 'basic' };

/** Longest header read; longer ones are ignored. */
const MAX_HEADER = 2048;

/**
 * Parse a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"` (quoted or
 * token values, any order) or `Basic …`. Returns undefined for anything else, including a
 * Bearer challenge without a realm. The values are hostile: the caller validates the realm.
 */
export function parseAuthChallenge(header: string | null): AuthChallenge | undefined {
  if (!header || header.length > MAX_HEADER) return undefined;
  const m = /^\s*([A-Za-z]+)(?:\s+(.*))?$/s.exec(header);
  if (!m?.[1]) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme === 'basic') return { scheme: 'basic' };
  if (scheme !== 'bearer') return undefined;
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/gy;
  const rest = m[2] ?? '';
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest)) !== null) {
    if (!p[1]) break;
    const key = p[1].toLowerCase();
    if (!params.has(key)) params.set(key, p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? ''));
  }
  const realm = params.get('realm');
  if (!realm) return undefined;
  const service = params.get('service');
  const scope = params.get('scope');
  return { scheme: 'bearer', realm, ...(service ? { service } : {}), ...(scope ? { scope } : {}) };
}
