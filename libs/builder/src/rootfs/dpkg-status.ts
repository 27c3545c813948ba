import type { TarEntry } from '@patch-factory/oci';
import type { InstalledPackage, RootFs } from './rootfs';

/** The control fields the status file keeps, in dpkg's order (after Package and Status). */
const STATUS_FIELDS = [
  'Priority',
  'Section',
  'Installed-Size',
  'Maintainer',
  'Architecture',
  'Multi-Arch',
  'Source',
  'Version',
  'Replaces',
  'Provides',
  'Depends',
  'Pre-Depends',
  'Recommends',
  'Suggests',
  'Breaks',
  'Conflicts',
  'Description',
  'Homepage',
] as const;

const DPKG_DIR = 'var/lib/dpkg';

const file = (path: string, data: Buffer): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  data,
});

/** One field as deb822: continuation lines indented, empty ones written as ` .`. */
function field(name: string, value: string): string {
  const [first = '', ...rest] = value.split('\n');
  return [`${name}: ${first}`, ...rest.map((line) => (line.trim() === '' ? ' .' : ` ${line}`))].join('\n');
}

/** The `var/lib/dpkg/status` stanza of one package. */
export function dpkgStatusStanza(pkg: InstalledPackage): string {
  const lines = [field('Package', pkg.name), 'Status: install ok installed'];
  for (const name of STATUS_FIELDS) {
    const value = name === 'Version' ? pkg.version : name === 'Architecture' ? pkg.arch : pkg.control[name];
    if (value !== undefined && value !== '') lines.push(field(name, value));
  }
  return `${lines.join('\n')}\n`;
}

/** dpkg's name for a package's info files: `<name>:<arch>` for `Multi-Arch: same`, else `<name>`. */
export function dpkgInfoName(pkg: InstalledPackage): string {
  return pkg.control['Multi-Arch'] === 'same' ? `${pkg.name}:${pkg.arch}` : pkg.name;
}

/** The `.list` file of a package: `/.` first, then its paths (as shipped), sorted. */
export function dpkgFileList(pkg: InstalledPackage): string {
  const paths = pkg.files.filter((p) => p !== '.').map((p) => `/${p}`);
  paths.sort();
  return ['/.', ...paths].map((p) => `${p}\n`).join('');
}

/**
 * Writes dpkg's database into the root file system so scanners recognise every installed
 * package: `var/lib/dpkg/status` (one stanza per package, sorted by name, `Status: install ok
 * installed`), `var/lib/dpkg/info/<name>[:arch].list` and, when the package has an md5sums
 * control member, `.md5sums`. Replaces any of these files already present.
 */
export function writeDpkgDatabase(rootfs: RootFs): void {
  const packages = rootfs.packages();
  rootfs.put(
    { path: `${DPKG_DIR}/info`, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, data: Buffer.alloc(0) },
    'dpkg database',
  );
  // The database format: 1 is multiarch (info files named <name>:<arch> for Multi-Arch: same). Without it dpkg reads the old format and misses those files.
  rootfs.put(file(`${DPKG_DIR}/info/format`, Buffer.from('1\n')), 'dpkg database');
  rootfs.put(
    file(`${DPKG_DIR}/status`, Buffer.from(packages.map(dpkgStatusStanza).join('\n'), 'utf8')),
    'dpkg database',
  );
  for (const pkg of packages) {
    const base = `${DPKG_DIR}/info/${dpkgInfoName(pkg)}`;
    rootfs.put(file(`${base}.list`, Buffer.from(dpkgFileList(pkg), 'utf8')), 'dpkg database');
    const md5sums = pkg.controlEntries.find((e) => e.path === 'md5sums' && e.type === 'file');
    if (md5sums) rootfs.put(file(`${base}.md5sums`, Buffer.from(md5sums.data)), 'dpkg database');
  }
}
