import { shown } from '@patch-factory/contracts';
import { boundedGet, type BoundedGetErrors } from '@patch-factory/http';
import { ApkErrorCode, apkRetryable, apkTerminal } from '../alpine-errors';
import { checkMirrorUrl } from './apk-repository-url';

/** Validators from the last answer, sent back to ask "changed since?". */
export interface ConditionalHeaders {
  etag?: string;
  lastModified?: string;
}

export interface ApkFetchOptions {
  /** Overall time for one request, headers and body (default 30 s). */
  timeoutMs?: number;
  /** The largest body accepted (default 64 MiB). */
  maxBytes?: number;
  /** The caller's cancellation. */
  signal?: AbortSignal;
}

/** A changed body with its new validators, or "not modified" (304). */
export type ApkFetchResult =
  { notModified: true } | { notModified: false; body: Buffer; validators: ConditionalHeaders };

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

const APK_ERRORS: BoundedGetErrors = {
  unreachable: (message, cause) => apkRetryable(ApkErrorCode.unreachable, message, cause),
  httpStatus: (message, retryable) => (retryable ? apkRetryable : apkTerminal)(ApkErrorCode.httpStatus, message),
  tooLarge: (message) => apkTerminal(ApkErrorCode.tooLarge, message),
};

/** A validator we are willing to keep and send back: printable ASCII, at most 200 characters. */
export function safeValidator(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\x20-\x7e]{1,200}$/.test(value) ? value : undefined;
}

/** The validators worth keeping, from a response's ETag and Last-Modified (or sent as a request's). */
function validatorsOf(etag: unknown, lastModified: unknown): ConditionalHeaders {
  const kept: ConditionalHeaders = {};
  const safeEtag = safeValidator(etag);
  const safeLastModified = safeValidator(lastModified);
  if (safeEtag) kept.etag = safeEtag;
  if (safeLastModified) kept.lastModified = safeLastModified;
  return kept;
}

/**
 * GET `raw` conditionally (If-None-Match / If-Modified-Since from `since`). Redirects are
 * followed (at most 3, each target checked like the mirror URL). 404/410 throw
 * TerminalError(apk-index-not-found); 5xx/429/408 and network failures RetryableError.
 */
export async function fetchConditional(
  raw: string,
  since: ConditionalHeaders,
  opts: ApkFetchOptions = {},
): Promise<ApkFetchResult> {
  const sent = validatorsOf(since.etag, since.lastModified);
  const result = await boundedGet(raw, {
    checkUrl: checkMirrorUrl,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    ...(opts.signal ? { signal: opts.signal } : {}),
    headers: {
      ...(sent.etag ? { 'if-none-match': sent.etag } : {}),
      ...(sent.lastModified ? { 'if-modified-since': sent.lastModified } : {}),
    },
    notModified: true,
    show: shown,
    noAnswer: (href, timedOut, why) => `${href}: no answer (${timedOut ? 'timeout' : why}); is the mirror up?`,
    statusHint: '; check the mirror URL',
    errors: APK_ERRORS,
  });
  if (result.kind === 'not-modified') return { notModified: true };
  if (result.kind === 'gone') {
    throw apkTerminal(
      ApkErrorCode.indexNotFound,
      `${shown(result.finalUrl.href)}: the server answered HTTP ${result.status}; check the branch, repo and arch`,
    );
  }
  return {
    notModified: false,
    body: result.body,
    validators: validatorsOf(result.headers.get('etag'), result.headers.get('last-modified')),
  };
}
