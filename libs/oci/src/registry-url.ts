import { TerminalError } from '@patch-factory/contracts';
import { isLoopbackAddress } from '@patch-factory/http';
import { OciErrorCode } from './oci-errors';

/** True when `hostname` (as URL.hostname gives it) is a loopback IP address. */
export function isLoopbackHost(hostname: string): boolean {
  return isLoopbackAddress(hostname);
}

/** True when `url` may carry credentials or tokens: https, or http to a loopback address. */
export function isSafeTransport(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/**
 * Validate a registry root: `https://host[:port]` or `http://<loopback>:port`, without
 * credentials, path, query or fragment. Returns its origin (no trailing slash); throws
 * TerminalError(oci-invalid-registry) otherwise.
 */
export function parseRegistryUrl(raw: unknown): string {
  const fail = (why: string): never => {
    throw new TerminalError(
      OciErrorCode.invalidRegistry,
      `the registry ${JSON.stringify(String(raw).slice(0, 80))} is refused: ${why}`,
    );
  };
  if (typeof raw !== 'string' || raw.length > 300) return fail('expected a URL of at most 300 characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('it is not a URL');
  }
  if (!isSafeTransport(url)) return fail('expected https://host[:port], or http:// to 127.0.0.1 or [::1]');
  if (url.username || url.password) return fail('credentials do not belong in the URL');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
    return fail('expected no path, query or fragment');
  return url.origin;
}
