import { shown } from '@patch-factory/contracts';
import { boundedGet, type BoundedGetErrors } from '@patch-factory/http';
import { AptErrorCode, aptRetryable, aptTerminal } from '../debian-errors';

export interface HttpFetchOptions {
  /** Overall time for one request, headers and body (default 30 s). */
  timeoutMs?: number;
  /** The largest body accepted (default 64 MiB). */
  maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

const APT_ERRORS: BoundedGetErrors = {
  unreachable: (message, cause) => aptRetryable(AptErrorCode.unreachable, message, cause),
  httpStatus: (message, retryable) => (retryable ? aptRetryable : aptTerminal)(AptErrorCode.httpStatus, message),
  tooLarge: (message) => aptTerminal(AptErrorCode.tooLarge, message),
};

/**
 * A repository URL as the client accepts it: http or https on any host, no credentials in it.
 * Plain http is safe here because nothing fetched is trusted for where it came from: the
 * Release is trusted only when gpgv verifies its signature (InRelease, or Release +
 * Release.gpg) with the operator's keyring, each index only when its size and SHA256 are those
 * the signed Release lists, and each .deb only when its size and SHA256 are those the index
 * lists (PackageCache). So `httpGet` is only for files checked afterwards against that chain.
 * Refused: credentials (`user:pass@`, sent in clear and logged), and every other scheme
 * (file:, ftp:, …). Throws `apt-url-refused`.
 */
export function checkRepositoryUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw aptTerminal(
      AptErrorCode.urlRefused,
      `"${shown(raw)}" is not a URL: give the repository as http(s)://host/path`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw aptTerminal(
      AptErrorCode.urlRefused,
      `"${shown(url.protocol)}" URLs are refused: give the repository as http(s)://host/path`,
    );
  }
  if (url.username || url.password)
    throw aptTerminal(AptErrorCode.urlRefused, `${shown(url.host)}: credentials in a repository URL are refused`);
  return url;
}

/**
 * The outcome of one GET: the body, or `undefined` when the server says 404/410. Redirects (at
 * most 3, each target checked again), the time and the size are bounded; the body is not yet
 * trusted: the caller checks it against a signature or a signed checksum.
 */
export async function httpGet(raw: string, opts: HttpFetchOptions = {}): Promise<Buffer | undefined> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result = await boundedGet(raw, {
    checkUrl: checkRepositoryUrl,
    timeoutMs,
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    show: shown,
    noAnswer: (href, timedOut, why) =>
      timedOut
        ? `${href}: no complete answer within ${timeoutMs} ms; is the mirror up?`
        : `${href}: cannot connect (${why}); is the mirror up?`,
    statusHint: '; check the repository URL and suite',
    errors: APT_ERRORS,
  });
  return result.kind === 'ok' ? result.body : undefined;
}
