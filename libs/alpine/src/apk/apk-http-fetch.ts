import { ApkErrorCode, apkRetryable, apkTerminal, shownText } from './apk-errors';
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
export type ApkFetchResult = { notModified: true } | { notModified: false; body: Buffer; validators: ConditionalHeaders };

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 3;

/** A validator we are willing to keep and send back: printable ASCII, at most 200 characters. */
export function safeValidator(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\x20-\x7e]{1,200}$/.test(value) ? value : undefined;
}

/**
 * GET `raw` conditionally (If-None-Match / If-Modified-Since from `since`). Redirects are
 * followed (at most 3, each target checked like the mirror URL). 404/410 throw
 * TerminalError(apk-index-not-found); 5xx/429/408 and network failures RetryableError.
 */
export async function fetchConditional(raw: string, since: ConditionalHeaders, opts: ApkFetchOptions = {}): Promise<ApkFetchResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const headers: Record<string, string> = {};
  const etag = safeValidator(since.etag);
  const lastModified = safeValidator(since.lastModified);
  if (etag) headers['if-none-match'] = etag;
  if (lastModified) headers['if-modified-since'] = lastModified;
  let url = checkMirrorUrl(raw);
  for (let hop = 0; ; hop++) {
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'manual', signal, headers });
    } catch (error) {
      if (opts.signal?.aborted) throw error;
      throw apkRetryable(ApkErrorCode.unreachable, `${shownText(url.href)}: no answer (${timeout.aborted ? 'timeout' : shownText(String((error as Error).cause ?? error))}); is the mirror up?`, error);
    }
    if (response.status === 304) {
      await response.body?.cancel();
      return { notModified: true };
    }
    if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw apkTerminal(ApkErrorCode.httpStatus, `${shownText(raw)}: more than ${MAX_REDIRECTS} redirects`);
      url = checkMirrorUrl(new URL(response.headers.get('location') ?? '', url).href);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      const message = `${shownText(url.href)}: the server answered HTTP ${response.status}`;
      if (response.status === 404 || response.status === 410) throw apkTerminal(ApkErrorCode.indexNotFound, `${message}; check the branch, repo and arch`);
      if (response.status >= 500 || response.status === 429 || response.status === 408) throw apkRetryable(ApkErrorCode.httpStatus, `${message}; retry later`);
      throw apkTerminal(ApkErrorCode.httpStatus, `${message}; check the mirror URL`);
    }
    const body = await readBounded(response, url, maxBytes, timeout);
    const validators: ConditionalHeaders = {};
    const newEtag = safeValidator(response.headers.get('etag'));
    const newLastModified = safeValidator(response.headers.get('last-modified'));
    if (newEtag) validators.etag = newEtag;
    if (newLastModified) validators.lastModified = newLastModified;
    return { notModified: false, body, validators };
  }
}

async function readBounded(response: Response, url: URL, maxBytes: number, timeout: AbortSignal): Promise<Buffer> {
  const tooLarge = () => apkTerminal(ApkErrorCode.tooLarge, `${shownText(url.href)} is larger than the limit of ${maxBytes} bytes`);
  if (Number(response.headers.get('content-length') ?? NaN) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = response.body.getReader();
  let oversize = false;
  try {
    for (;;) {
      const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (done || value === undefined) break;
      total += value.byteLength;
      if (total > maxBytes) {
        oversize = true;
        await reader.cancel();
        break;
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  } catch (error) {
    throw apkRetryable(ApkErrorCode.unreachable, `${shownText(url.href)}: the transfer broke off${timeout.aborted ? ' (timeout)' : ''}; retry later`, error);
  }
  if (oversize) throw tooLarge();
  return Buffer.concat(chunks, total);
}
