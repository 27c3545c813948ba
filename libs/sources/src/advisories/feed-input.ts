import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { SourceErrorCode } from '../sources-errors';
import type { SourceState } from '../source';

/** The largest feed read (a zip of every OSV record of an ecosystem is tens of MiB). */
export const MAX_FEED_BYTES = 256 * 1024 * 1024;

/** Where a feed is: an absolute local path, or https (http only to loopback). */
export function checkFeedLocation(location: string): string {
  if (isAbsolute(location) && !location.includes('\0')) return location;
  if (
    /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\//.test(location) ||
    /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?\//.test(location)
  )
    return location;
  throw new TerminalError(
    SourceErrorCode.invalidConfig,
    `the feed location ${JSON.stringify(location.slice(0, 80))} is refused: expected an absolute path or https://… (http:// only to a loopback address)`,
  );
}

/**
 * The feed's bytes, unless unchanged since `state` (a file's size and mtime, a URL's ETag):
 * then undefined. Returns the bytes and the next state.
 */
export async function readFeed(
  location: string,
  state: SourceState,
  signal: AbortSignal,
): Promise<{ bytes: Buffer; state: SourceState } | undefined> {
  if (isAbsolute(location)) {
    const st = statSync(location);
    if (st.size > MAX_FEED_BYTES)
      throw new TerminalError(
        SourceErrorCode.invalidConfig,
        `the feed ${location} is larger than ${MAX_FEED_BYTES} bytes`,
      );
    const stamp = `${st.size}:${st.mtimeMs}`;
    if (state['file'] === stamp) return undefined;
    return { bytes: readFileSync(location), state: { file: stamp } };
  }
  const headers: Record<string, string> = state['etag'] ? { 'if-none-match': state['etag'] } : {};
  let res: Response;
  try {
    res = await fetch(location, { headers, signal, redirect: 'error' });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new RetryableError(SourceErrorCode.unavailable, `the feed ${location} is not reachable`, { cause: error });
  }
  if (res.status === 304) return undefined;
  if (!res.ok)
    throw new RetryableError(SourceErrorCode.unavailable, `the feed ${location} answered HTTP ${res.status}`);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_FEED_BYTES)
    throw new TerminalError(
      SourceErrorCode.invalidConfig,
      `the feed ${location} is larger than ${MAX_FEED_BYTES} bytes`,
    );
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > MAX_FEED_BYTES)
    throw new TerminalError(
      SourceErrorCode.invalidConfig,
      `the feed ${location} is larger than ${MAX_FEED_BYTES} bytes`,
    );
  const etag = res.headers.get('etag');
  return {
    bytes,
    state: etag && etag.length < 200 ? { etag } : { sha256: createHash('sha256').update(bytes).digest('hex') },
  };
}
