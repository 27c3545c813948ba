import type { TarEntry } from '@patch-factory/oci';
import { prepareLayerEntries } from './layer-entries';
import { OciWriteErrorCode, ociTerminal } from './oci-errors';

export interface TarWriteOptions {
  /** SOURCE_DATE_EPOCH: every entry's mtime, seconds since the epoch. */
  sourceDateEpoch: number;
  /** Names the layer in messages (`linux/amd64 layer 2`). */
  what?: string;
}

const BLOCK = 512;
const ZERO_BLOCKS = Buffer.alloc(BLOCK * 2);
const FLAGS: Record<TarEntry['type'], string> = { file: '0', hardlink: '1', symlink: '2', dir: '5' };
/** Largest value of a ustar numeric field: `length - 1` octal digits and a NUL. */
const maxOctal = (length: number) => 8 ** (length - 1) - 1;

/** Checks a SOURCE_DATE_EPOCH value: a whole number of seconds a ustar header can hold. */
export function checkSourceDateEpoch(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > maxOctal(12)) {
    throw ociTerminal(
      OciWriteErrorCode.imageInvalid,
      `SOURCE_DATE_EPOCH ${String(value)} is not a whole number of seconds between 0 and ${maxOctal(12)}`,
    );
  }
  return value;
}

/**
 * Writes a reproducible tar archive for an image layer: the entries checked and sorted by
 * `prepareLayerEntries` (parents before children, `..` refused with `build-unsafe-path`),
 * ustar headers (long paths split into prefix/name when they fit), a pax `x` header only for
 * a path, link target, uid/gid or size a ustar header cannot hold, every mtime set to
 * `sourceDateEpoch`, uid/gid as given, uname/gname and device numbers empty, directories with
 * a trailing `/`, and two zero blocks at the end. The same entries give the same bytes.
 */
export function writeTar(entries: readonly TarEntry[], opts: TarWriteOptions): Buffer {
  const mtime = checkSourceDateEpoch(opts.sourceDateEpoch);
  const what = opts.what ?? 'layer';
  const chunks: Buffer[] = [];
  for (const e of prepareLayerEntries(entries, what)) {
    const name = e.type === 'dir' ? `${e.path}/` : e.path;
    const link = e.linkTarget ?? '';
    const size = e.type === 'file' ? e.data.length : 0;
    const pax: [string, string][] = [];
    const split = splitUstarPath(name);
    if (split === undefined) pax.push(['path', name]);
    if (Buffer.byteLength(link) > 100) pax.push(['linkpath', link]);
    if (e.uid > maxOctal(8)) pax.push(['uid', String(e.uid)]);
    if (e.gid > maxOctal(8)) pax.push(['gid', String(e.gid)]);
    if (size > maxOctal(12)) pax.push(['size', String(size)]);
    if (pax.length > 0) {
      const body = paxBody(pax);
      chunks.push(
        header({
          name: paxName(e.path),
          prefix: '',
          mode: 0o644,
          uid: 0,
          gid: 0,
          size: body.length,
          mtime,
          flag: 'x',
          link: '',
        }),
        padded(body),
      );
    }
    chunks.push(
      header({
        name: split?.name ?? truncate(name, 100),
        prefix: split?.prefix ?? '',
        mode: e.mode,
        uid: e.uid > maxOctal(8) ? 0 : e.uid,
        gid: e.gid > maxOctal(8) ? 0 : e.gid,
        size: size > maxOctal(12) ? 0 : size,
        mtime,
        flag: FLAGS[e.type],
        link: Buffer.byteLength(link) > 100 ? truncate(link, 100) : link,
      }),
    );
    if (size > 0) chunks.push(padded(e.data));
  }
  chunks.push(ZERO_BLOCKS);
  return Buffer.concat(chunks);
}

/** A path as ustar name (≤100 bytes) or prefix (≤155) + `/` + name, or undefined if it fits neither. */
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const trailing = path.endsWith('/') ? '/' : '';
  for (let i = trimmed.indexOf('/'); i > 0; i = trimmed.indexOf('/', i + 1)) {
    const prefix = trimmed.slice(0, i);
    const name = trimmed.slice(i + 1) + trailing;
    if (Buffer.byteLength(prefix) > 155) return undefined;
    if (Buffer.byteLength(name) <= 100 && name !== trailing) return { prefix, name };
  }
  return undefined;
}

/** The name of a pax header: fixed, so the archive stays reproducible. */
function paxName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return truncate(`PaxHeaders/${base}`, 100);
}

/** At most `max` UTF-8 bytes of a string, never cutting a character. */
function truncate(text: string, max: number): string {
  let out = text;
  while (Buffer.byteLength(out) > max) out = out.slice(0, -1);
  return out;
}

/** Pax records `<len> <key>=<value>\n`, where `<len>` counts the whole record, itself included. */
function paxBody(records: readonly [string, string][]): Buffer {
  return Buffer.concat(
    records.map(([key, value]) => {
      const rest = Buffer.byteLength(` ${key}=${value}\n`);
      let len = rest + String(rest).length;
      if (String(len).length !== String(rest).length) len = rest + String(len).length;
      return Buffer.from(`${len} ${key}=${value}\n`, 'utf8');
    }),
  );
}

function padded(data: Buffer): Buffer {
  const rem = data.length % BLOCK;
  return rem === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rem)]);
}

interface HeaderFields {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  flag: string;
  link: string;
}

function header(f: HeaderFields): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(f.name, 0, 100, 'utf8');
  octal(h, 100, 8, f.mode);
  octal(h, 108, 8, f.uid);
  octal(h, 116, 8, f.gid);
  octal(h, 124, 12, f.size);
  octal(h, 136, 12, f.mtime);
  h.write(f.flag, 156, 1, 'latin1');
  h.write(f.link, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  // uname/gname (265, 297) and devmajor/devminor (329, 337) stay empty.
  h.write(f.prefix, 345, 155, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return h;
}

/** A zero-padded octal field ending in NUL. */
function octal(h: Buffer, offset: number, length: number, value: number): void {
  h.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'latin1');
}
