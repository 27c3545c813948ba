import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { discardBody } from '@patch-factory/http';
import { assertDigest } from './blob-push';
import { OciErrorCode } from './oci-errors';
import { assertRepositoryName } from './reference-grammar';
import { registryFailure } from './registry-status';
import type { RegistryTransport } from './registry-transport';
import { pullScope } from './token-scope';

/** Bounds of one blob download. */
export interface GetBlobOptions {
  /** Largest blob accepted (default 64 MiB for a buffer, 4 GiB for a file). */
  maxBytes?: number;
  /** The size the descriptor declares: any other size is refused. */
  size?: number;
  /** Timeout of the whole download (default 10 min). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Stream blob `digest` of `repo` into `sink`, hashing it; refuses more than the bound and
 * content that does not hash to `digest` (TerminalError oci-digest-mismatch). Returns the size.
 */
async function streamBlob(
  t: RegistryTransport,
  name: string,
  digest: string,
  defaultMax: number,
  options: GetBlobOptions,
  sink: (chunk: Buffer) => Promise<void>,
): Promise<number> {
  const repo = assertRepositoryName(name);
  assertDigest(digest);
  const what = `pulling blob ${digest} of ${repo} from ${t.registry}`;
  const max = Math.min(options.maxBytes ?? defaultMax, options.size ?? Number.MAX_SAFE_INTEGER);
  const url = new URL(`/v2/${repo}/blobs/${digest}`, t.registry);
  const res = await t.open({
    method: 'GET',
    url,
    scope: pullScope(repo),
    what,
    timeoutMs: options.timeoutMs ?? 600_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (res.status !== 200) {
    await discardBody(res.response);
    throw registryFailure(res.status, what);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await discardBody(res.response);
    throw new TerminalError(
      OciErrorCode.digestMismatch,
      `${what}: the registry announces ${declared} bytes, more than the ${max} expected`,
    );
  }
  const hash = createHash('sha256');
  let total = 0;
  const reader = (res.response.body as ReadableStream<Uint8Array> | null)?.getReader();
  try {
    // Bounded by `max`: every chunk read counts towards it.
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max)
        throw new TerminalError(
          OciErrorCode.digestMismatch,
          `${what}: the registry sent more than the ${max} bytes expected`,
        );
      const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      hash.update(chunk);
      await sink(chunk);
    }
  } catch (error) {
    await reader?.cancel().catch(() => undefined);
    if (error instanceof TerminalError || error instanceof RetryableError || options.signal?.aborted) throw error;
    throw new RetryableError(OciErrorCode.unavailable, `${what}: the download broke off; it may pass`, {
      cause: error,
    });
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest)
    throw new TerminalError(
      OciErrorCode.digestMismatch,
      `${what}: the registry sent content hashing to ${actual}; refused`,
    );
  if (options.size !== undefined && total !== options.size)
    throw new TerminalError(
      OciErrorCode.digestMismatch,
      `${what}: the registry sent ${total} bytes, not the ${options.size} declared`,
    );
  return total;
}

/** Blob `digest` of `repo` in memory (at most `maxBytes`, default 64 MiB), its sha256 verified. */
export async function getBlob(
  t: RegistryTransport,
  repo: string,
  digest: string,
  options: GetBlobOptions = {},
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const size = await streamBlob(t, repo, digest, 64 * 1024 * 1024, options, (chunk) => {
    chunks.push(Buffer.from(chunk));
    return Promise.resolve();
  });
  return Buffer.concat(chunks, size);
}

/**
 * Blob `digest` of `repo` written to `path` (through `<path>.partial`, renamed once verified;
 * removed on failure). Returns its size.
 */
export async function getBlobToFile(
  t: RegistryTransport,
  repo: string,
  digest: string,
  path: string,
  options: GetBlobOptions = {},
): Promise<number> {
  const partial = `${path}.partial`;
  const file = await open(partial, 'w');
  let ok = false;
  try {
    const size = await streamBlob(t, repo, digest, 4 * 1024 * 1024 * 1024, options, async (chunk) => {
      await file.write(chunk);
    });
    ok = true;
    return size;
  } finally {
    await file.close();
    if (ok) await rename(partial, path);
    else await rm(partial, { force: true });
  }
}
