import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { discardBody, readBoundedBody, requestSignal } from '@patch-factory/http';
import { OciErrorCode } from './oci-error-code';

/** A response whose body was read to at most a bound. */
export interface BoundedResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** One request: never follows redirects; times out; reads at most `maxBytes` of the body. */
export interface BoundedRequest {
  url: URL;
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
  /** Names the peer in error messages (never the full URL: it may hold a token scope). */
  what: string;
}

/**
 * Send one request. Network failures and timeouts become RetryableError(oci-unavailable); the
 * caller's own abort is rethrown as is. Never follows redirects (a 3xx is returned to the caller).
 */
export async function boundedFetch(req: BoundedRequest): Promise<BoundedResponse> {
  const { timeout, signal } = requestSignal(req.timeoutMs, req.signal);
  const { what, maxBytes } = req;
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, redirect: 'manual', signal });
    if (req.method === 'HEAD') {
      await discardBody(res);
      return { status: res.status, headers: res.headers, body: Buffer.alloc(0) };
    }
    const body = await readBoundedBody(res, maxBytes, {
      tooLarge: (declared) =>
        new TerminalError(
          OciErrorCode.invalidResponse,
          declared === undefined ? `${what} answered more than the ${maxBytes} bytes accepted` : `${what} answered ${declared} bytes, more than the ${maxBytes} accepted`,
        ),
    });
    return { status: res.status, headers: res.headers, body };
  } catch (error) {
    if (req.signal?.aborted) throw error;
    if (error instanceof TerminalError || error instanceof RetryableError) throw error;
    const why = timeout.aborted ? `did not answer within ${req.timeoutMs} ms` : 'could not be reached';
    throw new RetryableError(OciErrorCode.unavailable, `${what} ${why}: check that the registry is up and reachable`, { cause: error });
  }
}
