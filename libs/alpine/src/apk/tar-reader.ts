import { shown } from '@patch-factory/contracts';
import { ApkErrorCode, apkTerminal } from './apk-errors';

/** One regular file of a tar archive (its bytes are a view into the archive). */
export interface TarEntry {
  name: string;
  data: Buffer;
}

const BLOCK = 512;
/** Most entries read from one archive. */
export const MAX_TAR_ENTRIES = 10_000;

function invalid(what: string, why: string): never {
  throw apkTerminal(ApkErrorCode.indexInvalid, `${what} is not a valid tar archive: ${why}`);
}

function text(block: Buffer, from: number, length: number): string {
  const field = block.subarray(from, from + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('latin1');
}

function octal(block: Buffer, from: number, length: number, what: string): number {
  const raw = text(block, from, length).trim();
  if (!/^[0-7]{1,12}$/.test(raw)) invalid(what, `a header has a bad numeric field "${shown(raw, 20)}"`);
  return parseInt(raw, 8);
}

function checksumOk(block: Buffer, what: string): boolean {
  const stored = octal(block, 148, 8, what);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum === stored;
}

/**
 * The regular files of a ustar/GNU tar archive, in order, read in memory: 512-byte headers
 * with checked checksums, sizes bounded by the archive itself, at most MAX_TAR_ENTRIES entries.
 * Nothing is written anywhere; names are returned as they are (the caller matches them
 * exactly). Extended headers (pax `x`/`g`, GNU `L`/`K`) and non-files are skipped. The archive
 * may end without its two zero blocks (apk cuts them from the signature tar). Throws
 * TerminalError(apk-index-invalid).
 */
export function readTar(archive: Buffer, what: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  for (let n = 0; at + BLOCK <= archive.length; n++) {
    if (n >= MAX_TAR_ENTRIES) invalid(what, `more than ${MAX_TAR_ENTRIES} entries`);
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header, what)) invalid(what, `the header at offset ${at} fails its checksum`);
    const size = octal(header, 124, 12, what);
    const dataStart = at + BLOCK;
    if (size > archive.length - dataStart) invalid(what, `an entry of ${size} bytes runs past the end`);
    const type = String.fromCharCode(header[156] ?? 0);
    const name = text(header, 0, 100);
    const prefix = text(header, 257, 6) === 'ustar' ? text(header, 345, 155) : '';
    if (type === '0' || type === '\0') entries.push({ name: prefix ? `${prefix}/${name}` : name, data: archive.subarray(dataStart, dataStart + size) });
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (at < archive.length && at + BLOCK > archive.length && !archive.subarray(at).every((b) => b === 0)) invalid(what, 'it ends in a partial block');
  return entries;
}
