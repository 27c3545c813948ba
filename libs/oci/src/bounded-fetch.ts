import { RetryableError, TerminalError } from '@patch-factory/contracts';
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

async function readBounded(res: Response, maxBytes: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new TerminalError(OciErrorCode.invalidResponse, `${what} answered ${declared} bytes, more than the ${maxBytes} accepted`);
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new TerminalError(OciErrorCode.invalidResponse, `${what} answered more than the ${maxBytes} bytes accepted`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, size);
}

/**
 * Send one request. Network failures and timeouts become RetryableError(oci-unavailable); the
 * caller's own abort is rethrown as is. Never follows redirects (a 3xx is returned to the caller).
 */
export async function boundedFetch(req: BoundedRequest): Promise<BoundedResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, redirect: 'manual', signal });
    const body = req.method === 'HEAD' ? Buffer.alloc(0) : await readBounded(res, req.maxBytes, req.what);
    if (req.method === 'HEAD') await res.body?.cancel().catch(() => undefined);
    return { status: res.status, headers: res.headers, body };
  } catch (error) {
    if (req.signal?.aborted) throw error;
    if (error instanceof TerminalError || error instanceof RetryableError) throw error;
    const why = timeout.aborted ? `did not answer within ${req.timeoutMs} ms` : 'could not be reached';
    throw new RetryableError(OciErrorCode.unavailable, `${req.what} ${why}: check that the registry is up and reachable`, { cause: error });
  }
}
