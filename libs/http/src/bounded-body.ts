/** The errors of a bounded read, made by the caller (its codes, its wording). */
export interface BoundedBodyErrors {
  /** The body is larger than the limit: `declared` when content-length said so before reading. */
  tooLarge: (declared?: number) => Error;
  /** The body broke off while being read; without it, the read error is thrown as is. */
  brokenOff?: (cause: unknown) => Error;
}

/** The caller's cancellation joined to an overall timeout; `timeout` tells the two apart. */
export function requestSignal(timeoutMs: number, signal?: AbortSignal): { timeout: AbortSignal; signal: AbortSignal } {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { timeout, signal: signal ? AbortSignal.any([signal, timeout]) : timeout };
}

/** Drop a body that will not be read (so the connection is freed). */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/**
 * Read the body of `response`, at most `maxBytes`: refused up front when content-length is
 * larger, and again while streaming (a missing or lying content-length).
 */
export async function readBoundedBody(
  response: Response,
  maxBytes: number,
  errors: BoundedBodyErrors,
): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await discardBody(response);
    throw errors.tooLarge(declared);
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) break;
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  } catch (error) {
    throw errors.brokenOff ? errors.brokenOff(error) : error;
  }
  if (total <= maxBytes) return Buffer.concat(chunks, total);
  await reader.cancel().catch(() => undefined);
  throw errors.tooLarge();
}
