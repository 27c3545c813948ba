import { shown } from '@patch-factory/contracts';
import { isLoopbackHost } from '@patch-factory/http';
import { ApkErrorCode, apkTerminal } from '../alpine-errors';

/** Where one APKINDEX lives: `<url>/<branch>/<repo>/<arch>/APKINDEX.tar.gz`. */
export interface ApkRepository {
  /** The mirror's root, e.g. https://dl-cdn.alpinelinux.org/alpine */
  url: string;
  /** e.g. v3.22 or edge */
  branch: string;
  /** e.g. main or community */
  repo: string;
  /** e.g. x86_64 or aarch64 */
  arch: string;
}

/** A branch, repo or arch segment: letters, digits, `.`, `_`, `-`; not `.`/`..`; at most 64 characters. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/**
 * A mirror URL as the client accepts it: https anywhere, http only to a loopback host, no
 * credentials, no query or fragment. Throws TerminalError(apk-url-refused).
 */
export function checkMirrorUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw apkTerminal(ApkErrorCode.urlRefused, `"${shown(raw)}" is not a URL: give the mirror as https://host/path`);
  }
  if (url.username || url.password)
    throw apkTerminal(ApkErrorCode.urlRefused, `${shown(url.host)}: credentials in a mirror URL are refused`);
  if (url.search || url.hash)
    throw apkTerminal(ApkErrorCode.urlRefused, `${shown(raw)}: a mirror URL takes no query or fragment`);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw apkTerminal(ApkErrorCode.urlRefused, `${shown(raw)}: only https (or http to a loopback host) is allowed`);
}

/** The URL of the repository's APKINDEX.tar.gz; throws TerminalError(apk-url-refused) for a bad URL or segment. */
export function apkIndexUrl(repo: ApkRepository): string {
  const base = checkMirrorUrl(repo.url);
  for (const [name, value] of [
    ['branch', repo.branch],
    ['repo', repo.repo],
    ['arch', repo.arch],
  ] as const) {
    if (!SEGMENT.test(value))
      throw apkTerminal(
        ApkErrorCode.urlRefused,
        `the ${name} "${shown(value, 64)}" is refused: expected letters, digits, ".", "_" or "-"`,
      );
  }
  const root = base.href.endsWith('/') ? base.href : `${base.href}/`;
  return `${root}${repo.branch}/${repo.repo}/${repo.arch}/APKINDEX.tar.gz`;
}
