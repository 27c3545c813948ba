// Test helpers (not a suite): .deb files made by hand, byte by byte (no dpkg-deb), so a test can
// ship whatever a hostile package would: `..` paths, absolute paths, links out of the root.
import { gzipSync } from 'node:zlib';
import { rawTar, type CustomAptPackage, type RawTarEntry } from '@patch-factory/testing';

/** One data.tar entry as written in the archive (names are not normalised). */
export type RawEntry = RawTarEntry;

export interface HandDeb {
  name: string;
  version?: string;
  /** Default `all`. */
  arch?: string;
  depends?: string;
  /** Written as given, in order. */
  entries: RawEntry[];
}

/** One member of an ar archive (a .deb's debian-binary, control.tar, data.tar), its name as given. */
export function arMember(name: string, data: Buffer): Buffer {
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
    arMember(
      'control.tar.gz',
      gzipSync(
        rawTar([
          { name: './', flag: '5' },
          { name: './control', data: control },
        ]),
      ),
    ),
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
  return [
    ...sorted.map((name): RawEntry => ({ name, flag: '5' })),
    ...Object.entries(files).map(([path, data]): RawEntry => ({ name: `./${path}`, data })),
  ];
}
