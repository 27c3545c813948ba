import { shown, shownPath } from '../builder-errors';
import { parseControl } from '../deb/control-parse';
import type { TarEntry } from '@patch-factory/oci';
import { RootFsErrorCode, rootfsTerminal } from './rootfs-errors';
import { MERGED_USR_DIRS, mergedUsrPath, movedLinkTarget, rootfsPath } from './rootfs-path';

/** One package installed into a {@link RootFs}. */
export interface InstalledPackage {
  name: string;
  version: string;
  arch: string;
  /** Fields of the package's `control` file. */
  control: Record<string, string>;
  /** Entries of the package's control.tar (md5sums, conffiles…). */
  controlEntries: readonly TarEntry[];
  /** The paths the package ships, root-relative, as written in the package (before merged /usr), `.` included. */
  files: string[];
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]{0,127}$/;
const ARCH = /^[a-z0-9][a-z0-9-]{0,31}$/;
const VERSION = /^[A-Za-z0-9.+~:-]{1,128}$/;

const dirEntry = (path: string, mode = 0o755, uid = 0, gid = 0): TarEntry => ({
  path,
  type: 'dir',
  mode,
  uid,
  gid,
  mtime: 0,
  data: Buffer.alloc(0),
});

/**
 * An image root file system held in memory: root-relative path → entry, in Debian 12's merged
 * /usr layout (`bin`, `sbin`, `lib`, `lib64` are symlinks to `usr/…`; package paths below
 * them are moved under `usr/`). Records which package owns which path.
 */
export class RootFs {
  private readonly byPath = new Map<string, TarEntry>();
  private readonly owners = new Map<string, string>();
  private readonly installed = new Map<string, InstalledPackage>();

  constructor() {
    this.byPath.set('usr', dirEntry('usr'));
    for (const name of MERGED_USR_DIRS) {
      this.byPath.set(`usr/${name}`, dirEntry(`usr/${name}`));
      this.byPath.set(name, {
        path: name,
        type: 'symlink',
        mode: 0o777,
        uid: 0,
        gid: 0,
        mtime: 0,
        linkTarget: `usr/${name}`,
        data: Buffer.alloc(0),
      });
    }
  }

  /**
   * Adds a package's files (its data.tar entries). Directories are shared; a file, symlink or
   * hard link another package already installed at the same path is refused with
   * `build-file-conflict` unless it is identical (same content, or same link target). Throws
   * `build-rootfs-invalid` for a malformed or repeated package and `build-unsafe-path` for an
   * entry below a symlink.
   */
  addPackage(
    name: string,
    version: string,
    arch: string,
    dataEntries: readonly TarEntry[],
    controlEntries: readonly TarEntry[],
  ): InstalledPackage {
    const what = `package ${shown(String(name), 64)}`;
    const invalid = (why: string) =>
      rootfsTerminal(RootFsErrorCode.rootfsInvalid, `${what}: ${why}; check the package`);
    if (!PACKAGE_NAME.test(name)) throw invalid('the name is not a Debian package name');
    if (!VERSION.test(version)) throw invalid(`version "${shown(version, 64)}" is not a Debian version`);
    if (!ARCH.test(arch)) throw invalid(`architecture "${shown(arch, 32)}" is not a Debian architecture`);
    if (this.installed.has(name)) throw invalid('it is installed twice');
    const controlFile = controlEntries.find((e) => e.path === 'control' && e.type === 'file');
    if (!controlFile) throw invalid('its control.tar has no control file');
    const control = parseControl(controlFile.data.toString('utf8'), what);
    if (control['Package'] !== name || control['Version'] !== version || control['Architecture'] !== arch) {
      throw invalid(
        `its control file says ${shown(`${control['Package']} ${control['Version']} ${control['Architecture']}`, 200)}, not ${name} ${version} ${arch}`,
      );
    }

    const staged = new Map<string, TarEntry>();
    const files: string[] = [];
    for (const e of dataEntries) {
      const original = rootfsPath(e.path, what);
      files.push(original);
      if (original === '.') {
        if (e.type !== 'dir')
          throw rootfsTerminal(
            RootFsErrorCode.unsafePath,
            `${what}: a ${e.type} entry replaces the image root; the package is refused`,
          );
        continue;
      }
      const path = mergedUsrPath(original);
      const entry: TarEntry = { ...e, path, mode: e.mode & 0o7777 };
      if (e.type === 'symlink') entry.linkTarget = movedLinkTarget(original, path, e.linkTarget ?? '', what);
      if (e.type === 'hardlink') entry.linkTarget = mergedUsrPath(rootfsPath(e.linkTarget ?? '', what));
      const prior = staged.get(path) ?? this.byPath.get(path);
      if (prior !== undefined) {
        if (prior.type === 'dir' && entry.type === 'dir') continue;
        if (!sameContent(prior, entry)) {
          const owner = staged.has(path) ? name : (this.owners.get(path) ?? 'the image');
          throw rootfsTerminal(
            RootFsErrorCode.fileConflict,
            `${what} ships ${entry.type} "/${shownPath(path)}", which ${owner === name ? 'it also ships' : `${shown(owner, 64)} already installed`} with other content; drop one of the packages or divert the file`,
          );
        }
      }
      this.checkParents(path, staged, what);
      staged.set(path, entry);
    }
    for (const [path, entry] of staged) {
      this.byPath.set(path, entry);
      if (entry.type !== 'dir' && !this.owners.has(path)) this.owners.set(path, name);
    }
    if (!files.includes('.')) files.push('.');
    const pkg: InstalledPackage = {
      name,
      version,
      arch,
      control,
      controlEntries: [...controlEntries],
      files: [...new Set(files)].sort(),
    };
    this.installed.set(name, pkg);
    return pkg;
  }

  /** Sets (or replaces) the entry at its path, creating missing parent directories (0755 root). The path is normalised and merged-/usr rewritten. Throws `build-unsafe-path` below a symlink and `build-file-conflict` for a non-directory over a directory. */
  put(entry: TarEntry, what: string): TarEntry {
    const path = mergedUsrPath(rootfsPath(entry.path, what));
    if (path === '.')
      throw rootfsTerminal(RootFsErrorCode.unsafePath, `${what}: an entry may not replace the image root`);
    const prior = this.byPath.get(path);
    if (prior?.type === 'dir' && entry.type !== 'dir' && this.hasChildren(path)) {
      throw rootfsTerminal(
        RootFsErrorCode.fileConflict,
        `${what}: "/${shownPath(path)}" is a directory with contents; delete it first`,
      );
    }
    this.checkParents(path, new Map(), what);
    for (const parent of parentsOf(path)) if (!this.byPath.has(parent)) this.byPath.set(parent, dirEntry(parent));
    const stored: TarEntry = { ...entry, path, mode: entry.mode & 0o7777 };
    this.byPath.set(path, stored);
    return stored;
  }

  /** The entry at a path (normalised, merged-/usr rewritten), if any. */
  get(rawPath: string): TarEntry | undefined {
    return this.byPath.get(mergedUsrPath(rootfsPath(rawPath, 'lookup')));
  }

  /** Removes a path and everything below it; returns how many entries went. */
  delete(rawPath: string, what: string): number {
    const path = mergedUsrPath(rootfsPath(rawPath, what));
    if (path === '.') throw rootfsTerminal(RootFsErrorCode.unsafePath, `${what}: the image root may not be deleted`);
    let removed = 0;
    for (const p of [...this.byPath.keys()]) {
      if (p === path || p.startsWith(`${path}/`)) {
        this.byPath.delete(p);
        this.owners.delete(p);
        removed++;
      }
    }
    return removed;
  }

  /** Paths at or below `rawPath`, sorted. */
  subtree(rawPath: string): string[] {
    const path = mergedUsrPath(rootfsPath(rawPath, 'lookup'));
    return [...this.byPath.keys()].filter((p) => path === '.' || p === path || p.startsWith(`${path}/`)).sort();
  }

  /** The package that installed a path, if any. */
  ownerOf(rawPath: string): string | undefined {
    return this.owners.get(mergedUsrPath(rootfsPath(rawPath, 'lookup')));
  }

  /** Installed packages, sorted by name. */
  packages(): InstalledPackage[] {
    return [...this.installed.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every entry, sorted by path: one layer's entry list for `writeImageLayout`. */
  entries(): TarEntry[] {
    return [...this.byPath.values()]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((e) => ({ ...e }));
  }

  private hasChildren(path: string): boolean {
    for (const p of this.byPath.keys()) if (p.startsWith(`${path}/`)) return true;
    return false;
  }

  private checkParents(path: string, staged: ReadonlyMap<string, TarEntry>, what: string): void {
    for (const parent of parentsOf(path)) {
      const e = staged.get(parent) ?? this.byPath.get(parent);
      if (e === undefined || e.type === 'dir') continue;
      const code = e.type === 'symlink' ? RootFsErrorCode.unsafePath : RootFsErrorCode.fileConflict;
      throw rootfsTerminal(
        code,
        `${what}: "/${shownPath(path)}" lies below the ${e.type} "/${shownPath(parent)}"; the entry is refused`,
      );
    }
  }
}

function parentsOf(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
}

function sameContent(a: TarEntry, b: TarEntry): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'file') return a.data.equals(b.data);
  return a.linkTarget === b.linkTarget;
}
