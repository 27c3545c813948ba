import { shown } from '@patch-factory/contracts';
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import { ApkErrorCode, apkTerminal } from '../alpine-errors';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

function invalid(what: string, why: string): never {
  throw apkTerminal(ApkErrorCode.indexInvalid, `${what} is not gzip data as apk writes it: ${why}`);
}

function skipZeroTerminated(data: Buffer, at: number, what: string): number {
  const end = data.indexOf(0, at);
  if (end < 0) invalid(what, 'a header field is not terminated');
  return end + 1;
}

/** The length of the gzip member header at the start of `data` (RFC 1952). */
function headerLength(data: Buffer, what: string): number {
  if (data.length < 18 || data[0] !== 0x1f || data[1] !== 0x8b || data[2] !== 8) invalid(what, 'no gzip header');
  const flags = data[3] ?? 0;
  if (flags & FRESERVED) invalid(what, 'reserved header flags are set');
  let at = 10;
  if (flags & FEXTRA) at += 2 + data.readUInt16LE(at);
  if (flags & FNAME) at = skipZeroTerminated(data, at, what);
  if (flags & FCOMMENT) at = skipZeroTerminated(data, at, what);
  if (flags & FHCRC) at += 2;
  if (at >= data.length) invalid(what, 'the header runs past the end');
  return at;
}

/** The first gzip member of `data`, decompressed, and the bytes that follow it (untouched). */
export interface FirstMember {
  content: Buffer;
  rest: Buffer;
}

/**
 * Split off the first gzip member of `data` (an APKINDEX.tar.gz is two concatenated members:
 * the signature tar, then the signed control tar). The member's CRC-32 and length are
 * checked; at most `maxOutput` bytes are inflated. Throws TerminalError(apk-index-invalid /
 * apk-too-large).
 */
export function splitFirstGzipMember(data: Buffer, what: string, maxOutput: number): FirstMember {
  const start = headerLength(data, what);
  let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    inflated = inflateRawSync(data.subarray(start), {
      info: true,
      maxOutputLength: maxOutput,
    }) as unknown as typeof inflated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw apkTerminal(ApkErrorCode.tooLarge, `${what} decompresses to more than ${maxOutput} bytes; refused`, error);
    throw apkTerminal(
      ApkErrorCode.indexInvalid,
      `${what} is not valid gzip data (${shown((error as Error).message)})`,
      error,
    );
  }
  const trailer = start + inflated.engine.bytesWritten;
  if (trailer + 8 > data.length) invalid(what, 'the first member is truncated');
  const content = inflated.buffer;
  if (data.readUInt32LE(trailer) !== crc32(content) || data.readUInt32LE(trailer + 4) !== content.length % 2 ** 32)
    invalid(what, 'the first member fails its CRC-32 or length check');
  return { content, rest: data.subarray(trailer + 8) };
}

/** All gzip members of `data`, decompressed and concatenated, at most `maxOutput` bytes. */
export function gunzipBounded(data: Buffer, what: string, maxOutput: number): Buffer {
  headerLength(data, what);
  try {
    return gunzipSync(data, { maxOutputLength: maxOutput });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw apkTerminal(ApkErrorCode.tooLarge, `${what} decompresses to more than ${maxOutput} bytes; refused`, error);
    throw apkTerminal(
      ApkErrorCode.indexInvalid,
      `${what} is not valid gzip data (${shown((error as Error).message)})`,
      error,
    );
  }
}
