import { gunzip } from 'node:zlib';
import { pipeBounded } from '@patch-factory/debian';
import { Decompress } from 'fzstd';
import { BuilderErrorCode, builderTerminal, shown } from '../builder-errors';
import { XzBatcher, xzUncompressedSize } from './xz-batch';

/** How a .deb member is compressed, by its name's suffix. */
export type MemberCompression = 'gz' | 'xz' | 'zst' | 'none';

/**
 * Decompresses a member (gz with zlib, xz with the `xz` binary through stdin/stdout, no shell;
 * zst with fzstd), refusing more than `maxOutput` bytes out (`build-deb-too-large`). Bad data
 * is `build-decompress-failed`.
 */
export async function decompressMember(
  data: Buffer,
  compression: MemberCompression,
  what: string,
  maxOutput: number,
): Promise<Buffer> {
  if (compression === 'none') {
    if (data.length > maxOutput) throw tooLarge(what, maxOutput);
    return data;
  }
  if (compression === 'gz') return gunzipBounded(data, what, maxOutput);
  if (compression === 'zst') return unzstdBounded(data, what, maxOutput);
  const size = xzUncompressedSize(data);
  if (size !== undefined) {
    if (size > maxOutput) return Promise.reject(tooLarge(what, maxOutput));
    const batched = await xzBatcher.decompress(data, size);
    if (batched !== undefined) return batched;
  }
  return xzBounded(data, what, maxOutput);
}

/** The process's xz batches: every .deb member decompressed in one turn shares two xz processes. */
const xzBatcher = new XzBatcher(2);

function tooLarge(what: string, max: number) {
  return builderTerminal(
    BuilderErrorCode.debTooLarge,
    `${what} unpacks to more than ${max} bytes; refused (raise the limit if the package is genuine)`,
  );
}

function failed(what: string, kind: string, detail: string, cause?: unknown) {
  return builderTerminal(
    BuilderErrorCode.decompressFailed,
    `${what} is not valid ${kind} data (${shown(detail)}); download the package again`,
    cause,
  );
}

function gunzipBounded(data: Buffer, what: string, maxOutput: number): Promise<Buffer> {
  return new Promise((done, fail) => {
    gunzip(data, { maxOutputLength: maxOutput }, (error, out) => {
      if (!error) return done(out);
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
        return fail(tooLarge(what, maxOutput));
      fail(failed(what, 'gzip', error.message, error));
    });
  });
}

function unzstdBounded(data: Buffer, what: string, maxOutput: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let over = false;
  const stream = new Decompress((chunk) => {
    total += chunk.length;
    if (total > maxOutput) {
      over = true;
      throw tooLarge(what, maxOutput);
    }
    chunks.push(chunk);
  });
  const step = 64 * 1024;
  try {
    for (let pos = 0; pos < data.length; pos += step) {
      const end = Math.min(pos + step, data.length);
      stream.push(data.subarray(pos, end), end === data.length);
    }
    if (data.length === 0) stream.push(new Uint8Array(0), true);
  } catch (error) {
    if (over) return Promise.reject(tooLarge(what, maxOutput));
    return Promise.reject(failed(what, 'zstd', error instanceof Error ? error.message : String(error), error));
  }
  return Promise.resolve(Buffer.concat(chunks, total));
}

function xzBounded(input: Buffer, what: string, maxOutput: number): Promise<Buffer> {
  return pipeBounded('xz', ['-dc', '--single-stream'], input, maxOutput, {
    tooLarge: () => tooLarge(what, maxOutput),
    cannotRun: (error) =>
      builderTerminal(
        BuilderErrorCode.decompressFailed,
        `cannot run xz to unpack ${what}: ${shown(error.message)}; install xz-utils`,
        error,
      ),
    invalid: (detail) => failed(what, 'xz', detail),
  });
}
