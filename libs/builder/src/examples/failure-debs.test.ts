// Test helpers (not a suite): .deb files made by hand, byte by byte (no dpkg-deb), so a test can
// ship whatever a hostile package would: `..` paths, absolute paths, links out of the root.
import { gzipSync } from 'node:zlib';
import type { CustomAptPackage } from '@patch-factory/testing';

/** One data.tar entry as written in the archive (names are not normalised). */
export interface RawEntry {
  name: string;
  /** Tar type flag: `0` file (default), `1` hard link, `2` symlink, `5` directory. */
  flag?: string;
  link?: string;
  data?: string;
  mode?: number;
}

export interface HandDeb {
  name: string;
  version?: string;
  /** Default `all`. */
  arch?: string;
  depends?: string;
  /** Written as given, in order. */
  entries: RawEntry[];
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(e: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? (e.flag === '5' ? 0o755 : 0o644), 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(1_700_000_000, 12), 136, 'latin1');
  h.write(e.flag ?? '0', 156, 'latin1');
  h.write(e.link ?? '', 157, 100, 'utf8');
  h.write('ustar\x0000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** A tar archive of `entries`, exactly as given. */
export function rawTar(entries: readonly RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    parts.push(header(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function arMember(name: string, data: Buffer): Buffer {
  const h = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n`;
  return Buffer.concat([Buffer.from(h, 'latin1'), data, data.length % 2 ? Buffer.from('\n') : Buffer.alloc(0)]);
}

/** The package's .deb and its index stanza (the control file's fields). */
export function handDeb(p: HandDeb): CustomAptPackage {
  const stanza: Record<string, string> = {
    Package: p.name,
    Version: p.version ?? '1.0',
    Architecture: p.arch ?? 'all',
    Maintainer: 'PF Tests <tests@example.test>',
    ...(p.depends === undefined ? {} : { Depends: p.depends }),
    Description: `hand-made package ${p.name}`,
  };
  const control = Object.entries(stanza)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
  const deb = Buffer.concat([
    Buffer.from('!<arch>\n', 'latin1'),
    arMember('debian-binary', Buffer.from('2.0\n')),
    arMember('control.tar.gz', gzipSync(rawTar([{ name: './', flag: '5' }, { name: './control', data: control }]))),
    arMember('data.tar.gz', gzipSync(rawTar(p.entries))),
  ]);
  return { deb, stanza };
}

/** Directory entries for `./` and every parent of `files`, then the files: a well-formed data.tar. */
export function withDirs(files: Record<string, string>): RawEntry[] {
  const dirs = new Set<string>(['./']);
  for (const path of Object.keys(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`./${parts.slice(0, i).join('/')}/`);
  }
  const sorted = [...dirs].sort();
  return [...sorted.map((name): RawEntry => ({ name, flag: '5' })), ...Object.entries(files).map(([path, data]): RawEntry => ({ name: `./${path}`, data }))];
}
