import { shown } from '../builder-errors';
import { BuildSourceErrorCode, sourceTerminal } from './source-errors';

/**
 * The URL a repository is fetched from: the operator's mirror for the longest prefix of `url`
 * in `mirrors` (prefix → replacement), or `url` itself. A prefix matches at a path boundary
 * only (`https://deb.debian.org/debian` maps `…/debian` and `…/debian/x`, not
 * `…/debian-security`); trailing slashes do not matter. Throws `build-repository-invalid` for a
 * mapping that is not a pair of http(s) URLs.
 */
export function applyMirror(url: string, mirrors: Readonly<Record<string, string>> | undefined): string {
  let best: { prefix: string; target: string } | undefined;
  for (const [rawPrefix, rawTarget] of Object.entries(mirrors ?? {})) {
    const prefix = normalize(rawPrefix, 'prefix');
    const target = normalize(rawTarget, `replacement for ${shown(rawPrefix, 80)}`);
    const matches = url === prefix || url.startsWith(`${prefix}/`);
    if (matches && (best === undefined || prefix.length > best.prefix.length)) best = { prefix, target };
  }
  return best === undefined ? url : best.target + url.slice(best.prefix.length);
}

function normalize(raw: string, what: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  ) {
    throw sourceTerminal(
      BuildSourceErrorCode.repositoryInvalid,
      `mirrors: ${what} "${shown(raw, 80)}" is not an http(s) URL without query, fragment or credentials`,
    );
  }
  return url.href.replace(/\/+$/, '');
}
