import { isAbsolute } from 'node:path';
import { TerminalError } from '@patch-factory/contracts';
import { hasControlCharacter } from '../screen-value';
import { SourceErrorCode } from '../sources-errors';

function refuse(url: string, why: string): never {
  throw new TerminalError(
    SourceErrorCode.invalidConfig,
    `the git remote ${JSON.stringify(url.slice(0, 80))} is refused: ${why}`,
  );
}

/**
 * Check a git remote before git sees it: an absolute local path, `file://`, `https://` or
 * `ssh://` only (no `ext::`, `fd::`, scp-like `host:path` or other transports), no leading
 * `-` (it would be read as an option), no control characters or spaces, no host or user that
 * starts with `-`, at most 500 characters. Returns the URL unchanged.
 */
export function assertSafeRemoteUrl(url: string): string {
  if (url.length === 0 || url.length > 500) refuse(url, 'expected 1–500 characters');
  if (url.startsWith('-')) refuse(url, 'it starts with "-"');
  if (hasControlCharacter(url) || /\s/.test(url)) refuse(url, 'it has spaces or control characters');
  if (url.startsWith('/')) {
    if (!isAbsolute(url)) refuse(url, 'expected an absolute path');
    return url;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'file' && scheme !== 'https' && scheme !== 'ssh')
    refuse(url, 'only an absolute path, file://, https:// or ssh:// is allowed');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    refuse(url, 'it is not a URL');
  }
  if (scheme === 'file') {
    if (parsed.host !== '') refuse(url, 'file:// takes a local path only');
    return url;
  }
  if (parsed.hostname === '' || parsed.hostname.startsWith('-')) refuse(url, 'the host is empty or starts with "-"');
  if (decodeURIComponent(parsed.username).startsWith('-')) refuse(url, 'the user starts with "-"');
  return url;
}

/** The URL as shown in observations and messages: without user and password. */
export function displayRemote(url: string): string {
  if (url.startsWith('/')) return url;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparseable remote)';
  }
}
