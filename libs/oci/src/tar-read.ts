import { TerminalError, shown, shownPath } from '@patch-factory/contracts';
import { TarErrorCode, type TarErrorCodes } from './oci-errors';
import { checkHardlinkTarget, checkSymlinkTarget, normaliseEntryPath } from './tar-path';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink';

/** One entry of a tar archive, its path normalised and checked to stay inside the root. */
export interface TarEntry {
  /** Root-relative, no `./` prefix, no trailing `/`; `.` is the root itself. */
  path: string;
  type: TarEntryType;
  /** Permission bits, setuid/setgid/sticky included (`& 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** The symlink target as written, or the hard link's normalised target path. */
  linkTarget?: string;
  /** File content (empty for anything but a file). */
  data: Buffer;
}

export interface TarReadOptions {
  /** Names the archive in messages (`curl_8.0_amd64.deb data.tar.xz`). */
  what: string;
  /** At most this many entries (default 200000). */
  maxEntries?: number;
  /** The codes failures are raised with (default TarErrorCode: `tar-invalid`, …). */
  codes?: TarErrorCodes;
  /** Appended to the message of a broken archive (`download the package again`). */
  hint?: string;
}

const BLOCK = 512;
const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '5': 'dir',
};
const MAX_META = 1024 * 1024;

/**
 * The one tar reader of the factory (a .deb's data.tar, an image layer, an APKINDEX and its
 * signature): reads a tar archive in memory (ustar, GNU long names/links `L`/`K`, pax `x`
 * headers for path, linkpath, size, uid, gid, mtime) into entries, refusing any that would
 * escape the root: `..` segments, absolute paths, hard links outside the archive, symlinks
 * resolving above the root, and entries written through a symlink of the same archive
 * (`codes.unsafe`). Devices and fifos are `codes.unsupported`; broken headers, sizes past the
 * end, a trailing partial block and too many entries are `codes.invalid`. The archive may end
 * without its two zero blocks (apk cuts them from the signature tar).
 */
export function readTar(buf: Buffer, opts: TarReadOptions): TarEntry[] {
  const { what } = opts;
  const maxEntries = opts.maxEntries ?? 200_000;
  const codes = opts.codes ?? TarErrorCode;
  const bad = (why: string) =>
    new TerminalError(codes.invalid, `${what} is not a valid tar archive: ${why}${opts.hint ? `; ${opts.hint}` : ''}`);
  const unsafe = (message: string) => new TerminalError(codes.unsafe, `${message}; the archive is refused`);
  const entries: TarEntry[] = [];
  const files = new Set<string>();
  const symlinks = new Set<string>();
  let pending: { path?: string; linkpath?: string; size?: number; uid?: number; gid?: number; mtime?: number } = {};
  let pos = 0;
  let headers = 0;
  while (pos + BLOCK <= buf.length) {
    const h = buf.subarray(pos, pos + BLOCK);
    if (h.every((b) => b === 0)) break; // end of archive
    if (++headers > maxEntries * 3) throw bad(`more than ${maxEntries} entries`);
    if (!checksumOk(h)) throw bad(`header at byte ${pos} has a wrong checksum`);
    const flag = String.fromCharCode(h[156] ?? 0);
    const size = pending.size ?? numeric(h, 124, 12, 'size', bad);
    const start = pos + BLOCK;
    if (size > buf.length - start)
      throw bad(
        `entry at byte ${pos} claims ${size} bytes but only ${buf.length - start} remain (it runs past the end)`,
      );
    const body = buf.subarray(start, start + size);
    pos = start + Math.ceil(size / BLOCK) * BLOCK;

    if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
      if (size > MAX_META) throw bad(`metadata header at byte ${start - BLOCK} is ${size} bytes`);
      if (flag === 'L') pending.path = cString(body);
      else if (flag === 'K') pending.linkpath = cString(body);
      else if (flag === 'x') pending = { ...pending, ...parsePax(body, bad) };
      continue; // global pax headers ('g') carry nothing we use
    }
    const magic = h.toString('latin1', 257, 263);
    const prefix = magic === 'ustar\0' ? cString(h.subarray(345, 500)) : '';
    const name = cString(h.subarray(0, 100));
    const rawPath = pending.path ?? (prefix ? `${prefix}/${name}` : name);
    const rawLink = pending.linkpath ?? cString(h.subarray(157, 257));
    const type = TYPES[flag];
    if (type === undefined) {
      throw new TerminalError(
        codes.unsupported,
        `${what}: entry "${shownPath(rawPath, 200)}" is of tar type "${shown(flag, 4)}" (device, fifo or unknown), which an image layer may not hold; the archive is refused`,
      );
    }
    const path = normaliseEntryPath(rawPath, what, codes.unsafe);
    const parents = path.split('/');
    for (let i = 1; i < parents.length; i++) {
      const parent = parents.slice(0, i).join('/');
      if (symlinks.has(parent)) {
        throw unsafe(
          `${what}: entry "${shownPath(rawPath, 200)}" is written through the symlink "${shownPath(parent, 200)}"`,
        );
      }
    }
    if (path === '.' && type !== 'dir')
      throw unsafe(`${what}: entry "${shownPath(rawPath, 200)}" replaces the image root`);
    const entry: TarEntry = {
      path,
      type,
      mode: numeric(h, 100, 8, 'mode', bad) & 0o7777,
      uid: pending.uid ?? numeric(h, 108, 8, 'uid', bad),
      gid: pending.gid ?? numeric(h, 116, 8, 'gid', bad),
      mtime: pending.mtime ?? numeric(h, 136, 12, 'mtime', bad),
      data: type === 'file' ? body : Buffer.alloc(0),
    };
    if (type === 'symlink') {
      checkSymlinkTarget(path, rawLink, what, codes.unsafe);
      entry.linkTarget = rawLink;
      symlinks.add(path);
    } else if (type === 'hardlink') {
      const target = checkHardlinkTarget(rawPath, rawLink, what, codes.unsafe);
      if (!files.has(target))
        throw unsafe(
          `${what}: entry "${shownPath(rawPath, 200)}" is a hard link to "${shownPath(rawLink, 200)}", which is no earlier file of the archive`,
        );
      entry.linkTarget = target;
    } else {
      symlinks.delete(path);
    }
    if (type === 'file') files.add(path);
    entries.push(entry);
    if (entries.length > maxEntries) throw bad(`more than ${maxEntries} entries`);
    pending = {};
  }
  if (pos < buf.length && pos + BLOCK > buf.length && !buf.subarray(pos).every((b) => b === 0))
    throw bad(`it ends in a partial block at byte ${pos}`);
  return entries;
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  const text = h
    .toString('latin1', 148, 156)
    .replace(/[\0 ]+$/, '')
    .trim();
  return /^[0-7]{1,8}$/.test(text) && parseInt(text, 8) === sum;
}

/** An octal field, or GNU base-256 (high bit set) for big values; never above 2^53. */
function numeric(h: Buffer, offset: number, length: number, field: string, bad: (why: string) => Error): number {
  const first = h[offset] ?? 0;
  if (first & 0x80) {
    if (first !== 0x80) throw bad(`negative or oversized ${field}`);
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) {
      value = value * 256 + (h[i] ?? 0);
      if (value > Number.MAX_SAFE_INTEGER) throw bad(`${field} too large`);
    }
    return value;
  }
  const text = h
    .toString('latin1', offset, offset + length)
    .replace(/\0.*$/s, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw bad(`${field} "${shown(text, 16)}" is not octal`);
  return parseInt(text, 8);
}

/** Pax extended header records `<len> <key>=<value>\n`, the keys we use. */
function parsePax(
  body: Buffer,
  bad: (why: string) => Error,
): { path?: string; linkpath?: string; size?: number; uid?: number; gid?: number; mtime?: number } {
  const out: { path?: string; linkpath?: string; size?: number; uid?: number; gid?: number; mtime?: number } = {};
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break;
    const space = body.indexOf(0x20, pos);
    if (space < 0 || space - pos > 8) throw bad('a pax record has no length');
    const lenText = body.toString('latin1', pos, space);
    if (!/^\d+$/.test(lenText)) throw bad(`pax record length "${shown(lenText, 10)}"`);
    const len = Number(lenText);
    if (len <= space - pos + 1 || pos + len > body.length || body[pos + len - 1] !== 0x0a)
      throw bad('a pax record overruns its header');
    const record = body.toString('utf8', space + 1, pos + len - 1);
    pos += len;
    const eq = record.indexOf('=');
    if (eq <= 0) throw bad('a pax record has no key');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    const int = () => {
      if (!/^\d{1,15}$/.test(value)) throw bad(`pax ${key} "${shown(value, 20)}" is not a number`);
      return Number(value);
    };
    if (key === 'path') out.path = value;
    else if (key === 'linkpath') out.linkpath = value;
    else if (key === 'size') out.size = int();
    else if (key === 'uid') out.uid = int();
    else if (key === 'gid') out.gid = int();
    else if (key === 'mtime') {
      const m = /^(\d{1,15})(?:\.\d+)?$/.exec(value);
      if (!m) throw bad(`pax mtime "${shown(value, 20)}" is not a time`);
      out.mtime = Number(m[1]);
    }
  }
  return out;
}
