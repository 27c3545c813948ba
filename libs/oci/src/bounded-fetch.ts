import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { discardBody, readBoundedBody, requestSignal } from '@patch-factory/http';
import { OciErrorCode } from './oci-errors';

/** The methods the Distribution API uses. */
export type RegistryMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A response whose body was read to at most a bound. */
export interface BoundedResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** A response whose body is still to be read (see openFetch). */
export interface OpenResponse {
  status: number;
  headers: Headers;
  response: Response;
}

/** One request: never follows redirects; times out; reads at most `maxBytes` of the body. */
export interface BoundedRequest {
  url: URL;
  method: RegistryMethod;
  headers: Record<string, string>;
  /** Request body (uploads): a buffer, so that a retried request sends it again. */
  body?: Buffer;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
  /** Names the peer in error messages (never the full URL: it may hold a token scope). */
  what: string;
}

function unreachable(req: BoundedRequest, timeout: AbortSignal, error: unknown): unknown {
  if (req.signal?.aborted) return error;
  if (error instanceof TerminalError || error instanceof RetryableError) return error;
  const why = timeout.aborted ? `did not answer within ${req.timeoutMs} ms` : 'could not be reached';
  return new RetryableError(
    OciErrorCode.unavailable,
    `${req.what} ${why}: check that the registry is up and reachable`,
    { cause: error },
  );
}

function init(req: BoundedRequest, signal: AbortSignal): RequestInit {
  return {
    method: req.method,
    headers: req.headers,
    redirect: 'manual',
    signal,
    ...(req.body ? { body: req.body } : {}),
  };
}

/**
 * Send one request. Network failures and timeouts become RetryableError(oci-unavailable); the
 * caller's own abort is rethrown as is. Never follows redirects (a 3xx is returned to the caller).
 */
export async function boundedFetch(req: BoundedRequest): Promise<BoundedResponse> {
  const { timeout, signal } = requestSignal(req.timeoutMs, req.signal);
  const { what, maxBytes } = req;
  try {
    const res = await fetch(req.url, init(req, signal));
    if (req.method === 'HEAD') {
      await discardBody(res);
      return { status: res.status, headers: res.headers, body: Buffer.alloc(0) };
    }
    const body = await readBoundedBody(res, maxBytes, {
      tooLarge: (declared) =>
        new TerminalError(
          OciErrorCode.invalidResponse,
          declared === undefined
            ? `${what} answered more than the ${maxBytes} bytes accepted`
            : `${what} answered ${declared} bytes, more than the ${maxBytes} accepted`,
        ),
    });
    return { status: res.status, headers: res.headers, body };
  } catch (error) {
    throw unreachable(req, timeout, error);
  }
}

/**
 * Send one request and return before reading the body (large blobs: the caller streams it,
 * within `timeoutMs` overall and its own size bound). Errors as boundedFetch.
 */
export async function openFetch(req: Omit<BoundedRequest, 'maxBytes'>): Promise<OpenResponse> {
  const full = { ...req, maxBytes: 0 };
  const { timeout, signal } = requestSignal(req.timeoutMs, req.signal);
  try {
    const response = await fetch(req.url, init(full, signal));
    return { status: response.status, headers: response.headers, response };
  } catch (error) {
    throw unreachable(full, timeout, error);
  }
}
