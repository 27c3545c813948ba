import { discardBody, readBoundedBody, requestSignal } from './bounded-body';

/** Makes the caller's errors (its codes, retryable or terminal) from the messages boundedGet words. */
export interface BoundedGetErrors {
  /** No answer, or the transfer broke off: always worth a retry. */
  unreachable: (message: string, cause: unknown) => Error;
  /** Too many redirects, or an unexpected status; `retryable` for 5xx, 429 and 408. */
  httpStatus: (message: string, retryable: boolean) => Error;
  /** The body is larger than the limit. */
  tooLarge: (message: string) => Error;
}

export interface BoundedGetOptions {
  /** Checks the URL and every redirect target (https-or-loopback…); throws to refuse it. */
  checkUrl: (raw: string) => URL;
  /** Overall time for the request, all redirects, headers and body. */
  timeoutMs: number;
  /** The largest body accepted. */
  maxBytes: number;
  /** The caller's cancellation: its abort is rethrown as is while connecting. */
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Redirects followed at most (default 3). */
  maxRedirects?: number;
  /** Answer a 304 with `not-modified` (for conditional requests); otherwise it is an unexpected status. */
  notModified?: boolean;
  /** Hostile text (URLs, causes) made safe for a message. */
  show: (text: string) => string;
  /** The message when no answer came; `href` and `why` already shown. */
  noAnswer: (href: string, timedOut: boolean, why: string) => string;
  /** Appended to the message of an unexpected, not retryable status, e.g. `; check the mirror URL`. */
  statusHint: string;
  errors: BoundedGetErrors;
}

export type BoundedGetResult =
  | { kind: 'ok'; body: Buffer; headers: Headers; finalUrl: URL }
  | { kind: 'not-modified' }
  | { kind: 'gone'; status: 404 | 410; finalUrl: URL };

/** 5xx, 429 (too many requests) and 408 (request timeout) may pass. */
function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * GET `raw`, bounded: redirects followed by hand (each target re-checked), an overall timeout,
 * at most `maxBytes` of body. 404/410 answer `gone`; other failures throw the caller's errors.
 */
export async function boundedGet(raw: string, opts: BoundedGetOptions): Promise<BoundedGetResult> {
  const { timeout, signal } = requestSignal(opts.timeoutMs, opts.signal);
  const maxRedirects = opts.maxRedirects ?? 3;
  const { show, errors } = opts;
  let url = opts.checkUrl(raw);
  for (let hop = 0; ; hop++) {
    const response = await send(url, signal, timeout, opts);
    if (opts.notModified && response.status === 304) {
      await discardBody(response);
      return { kind: 'not-modified' };
    }
    if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
      await discardBody(response);
      if (hop >= maxRedirects) throw errors.httpStatus(`${show(raw)}: more than ${maxRedirects} redirects`, false);
      url = opts.checkUrl(new URL(response.headers.get('location') ?? '', url).href);
      continue;
    }
    if (response.status === 404 || response.status === 410) {
      await discardBody(response);
      return { kind: 'gone', status: response.status, finalUrl: url };
    }
    if (!response.ok) {
      await discardBody(response);
      const retryable = isRetryableStatus(response.status);
      throw errors.httpStatus(
        `${show(url.href)}: the server answered HTTP ${response.status}${retryable ? '; retry later' : opts.statusHint}`,
        retryable,
      );
    }
    const href = show(url.href);
    const body = await readBoundedBody(response, opts.maxBytes, {
      tooLarge: () => errors.tooLarge(`${href} is larger than the limit of ${opts.maxBytes} bytes`),
      brokenOff: (cause) =>
        errors.unreachable(`${href}: the transfer broke off${timeout.aborted ? ' (timeout)' : ''}; retry later`, cause),
    });
    return { kind: 'ok', body, headers: response.headers, finalUrl: url };
  }
}

async function send(url: URL, signal: AbortSignal, timeout: AbortSignal, opts: BoundedGetOptions): Promise<Response> {
  try {
    return await fetch(url, { redirect: 'manual', signal, ...(opts.headers ? { headers: opts.headers } : {}) });
  } catch (error) {
    if (opts.signal?.aborted) throw error;
    const why = opts.show(String((error as { cause?: unknown } | null)?.cause ?? error));
    throw opts.errors.unreachable(opts.noAnswer(opts.show(url.href), timeout.aborted, why), error);
  }
}
