import { isIP } from 'node:net';
import { AptErrorCode, aptRetryable, aptTerminal, shown } from './apt-errors';

export interface HttpFetchOptions {
  /** Overall time for one request, headers and body (default 30 s). */
  timeoutMs?: number;
  /** The largest body accepted (default 64 MiB). */
  maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 3;

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
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  if (url.protocol === 'http:') {
    throw aptTerminal(AptErrorCode.urlRefused, `http://${shown(url.host)}: plain http is only allowed to a loopback host; use https`);
  }
  throw aptTerminal(AptErrorCode.urlRefused, `"${shown(url.protocol)}" URLs are refused: use https (or http to a loopback host)`);
}

function isLoopback(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** The outcome of one GET: the body, or `undefined` when the server says 404/410. */
export async function httpGet(raw: string, opts: HttpFetchOptions = {}): Promise<Buffer | undefined> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const signal = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let url = checkRepositoryUrl(raw);
  for (let hop = 0; ; hop++) {
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'manual', signal });
    } catch (error) {
      const timedOut = signal.aborted;
      throw aptRetryable(
        AptErrorCode.unreachable,
        timedOut ? `${shown(url.href)}: no complete answer within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms; is the mirror up?` : `${shown(url.href)}: cannot connect (${shown(String((error as Error).cause ?? error))}); is the mirror up?`,
        error,
      );
    }
    if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw aptTerminal(AptErrorCode.httpStatus, `${shown(raw)}: more than ${MAX_REDIRECTS} redirects`);
      url = checkRepositoryUrl(new URL(response.headers.get('location') ?? '', url).href);
      continue;
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      const message = `${shown(url.href)}: the server answered HTTP ${response.status}`;
      if (response.status >= 500 || response.status === 429 || response.status === 408) throw aptRetryable(AptErrorCode.httpStatus, `${message}; retry later`);
      throw aptTerminal(AptErrorCode.httpStatus, `${message}; check the repository URL and suite`);
    }
    return readBounded(response, url, maxBytes, signal);
  }
}

async function readBounded(response: Response, url: URL, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  const tooLarge = () => aptTerminal(AptErrorCode.tooLarge, `${shown(url.href)} is larger than the limit of ${maxBytes} bytes`);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (done || value === undefined) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === AptErrorCode.tooLarge) throw error;
    throw aptRetryable(AptErrorCode.unreachable, `${shown(url.href)}: the transfer broke off${signal.aborted ? ' (timeout)' : ''}; retry later`, error);
  }
  return Buffer.concat(chunks, total);
}
