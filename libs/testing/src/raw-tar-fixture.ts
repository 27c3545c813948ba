// The tar writer of the tests that need an archive exactly as a hostile one would be: names
// as given (`..`, absolute, long), any type flag, links anywhere. (The factory's own writer is
// libs/builder's writeTar, which refuses such entries; its reader is libs/oci's readTar.)

/** One tar entry as written in the archive (names are not normalised). */
export interface RawTarEntry {
  name: string;
  /** Tar type flag: `0` file (default), `1` hard link, `2` symlink, `5` directory, `x` pax header, `3` device… */
  flag?: string;
  link?: string;
  data?: string | Buffer;
  /** Default 0644, 0755 for a directory. */
  mode?: number;
  /** Written as-is in the ustar prefix field. */
  prefix?: string;
  /** Default 1700000000. */
  mtime?: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** The 512-byte ustar header of `e` for `size` bytes of data, its checksum set. */
export function rawTarHeader(e: RawTarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? (e.flag === '5' ? 0o755 : 0o644), 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(e.mtime ?? 1_700_000_000, 12), 136, 'latin1');
  h.write(e.flag ?? '0', 156, 'latin1');
  h.write(e.link ?? '', 157, 100, 'utf8');
  h.write('ustar\x0000', 257, 'latin1');
  if (e.prefix) h.write(e.prefix, 345, 155, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** One entry: its header, its data, padding to 512. */
export function rawTarEntry(e: RawTarEntry): Buffer {
  const data = typeof e.data === 'string' || e.data === undefined ? Buffer.from(e.data ?? '') : e.data;
  return Buffer.concat([rawTarHeader(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** A tar archive of `entries`, exactly as given; `cut` leaves off the two end blocks (as apk does for its signature tar). */
export function rawTar(entries: readonly RawTarEntry[], cut = false): Buffer {
  return Buffer.concat([...entries.map(rawTarEntry), cut ? Buffer.alloc(0) : Buffer.alloc(1024)]);
}

/** A pax extended header entry (`x`) carrying `records` (path, linkpath, size…) for the entry after it. */
export function paxTarEntry(records: Record<string, string>): RawTarEntry {
  let body = '';
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    let len = rest.length + 1;
    while (`${len}${rest}`.length !== len) len = `${len}${rest}`.length;
    body += `${len}${rest}`;
  }
  return { name: 'PaxHeader', flag: 'x', data: body };
}
