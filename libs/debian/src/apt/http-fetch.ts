import { boundedGet, isLoopbackHost, type BoundedGetErrors } from '@patch-factory/http';
import { AptErrorCode, aptRetryable, aptTerminal, shown } from './apt-errors';

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
 * A repository URL as the client accepts it: https anywhere, http only to a loopback host
 * (127.0.0.0/8, ::1, localhost), no credentials in it. Throws `apt-url-refused`.
 */
export function checkRepositoryUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw aptTerminal(AptErrorCode.urlRefused, `"${shown(raw)}" is not a URL: give the repository as https://host/path`);
  }
  if (url.username || url.password) throw aptTerminal(AptErrorCode.urlRefused, `${shown(url.host)}: credentials in a repository URL are refused`);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  if (url.protocol === 'http:') {
    throw aptTerminal(AptErrorCode.urlRefused, `http://${shown(url.host)}: plain http is only allowed to a loopback host; use https`);
  }
  throw aptTerminal(AptErrorCode.urlRefused, `"${shown(url.protocol)}" URLs are refused: use https (or http to a loopback host)`);
}

/** The outcome of one GET: the body, or `undefined` when the server says 404/410. */
export async function httpGet(raw: string, opts: HttpFetchOptions = {}): Promise<Buffer | undefined> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result = await boundedGet(raw, {
    checkUrl: checkRepositoryUrl,
    timeoutMs,
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    show: shown,
    noAnswer: (href, timedOut, why) => (timedOut ? `${href}: no complete answer within ${timeoutMs} ms; is the mirror up?` : `${href}: cannot connect (${why}); is the mirror up?`),
    statusHint: '; check the repository URL and suite',
    errors: APT_ERRORS,
  });
  return result.kind === 'ok' ? result.body : undefined;
}
