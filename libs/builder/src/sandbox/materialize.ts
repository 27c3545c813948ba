import { constants } from 'node:fs';
import { chmod, lchown, link, lutimes, mkdir, open, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { shownPath } from '../builder-errors';
import type { TarEntry } from '@patch-factory/oci';
import { RootFsErrorCode, rootfsTerminal } from '../rootfs/rootfs-errors';
import type { RootFs } from '../rootfs/rootfs';
import { lstatOrUndefined } from './root-resolve';

const { O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY } = constants;

/**
 * Writes every entry of `rootfs` below the directory `dir` (created if missing): directories,
 * files with their mode (setuid/setgid/sticky included) and mtime, symlinks with their target
 * as is, hard links as links to their (earlier written) target. Owners are set with
 * `lchown`/`fchown` when running as root, else left to the current user. Nothing is ever
 * written through a symlink: files are opened `O_EXCL|O_NOFOLLOW`, and a parent directory
 * found on disk as a symlink is refused with `build-unsafe-path`; an entry whose path is
 * already taken on disk is `build-file-conflict`. Directory modes and owners are applied last,
 * deepest first, so a read-only directory still receives its contents.
 */
export async function materializeRootFs(rootfs: RootFs, dir: string): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  await mkdir(dir, { recursive: true });
  const entries = rootfs.entries();
  const dirs = new Set<string>(['.']);
  const dirEntries: TarEntry[] = [];
  for (const e of entries) {
    if (e.type === 'hardlink') continue;
    await ensureParents(dir, e.path, dirs);
    const path = join(dir, e.path);
    if (e.type === 'dir') {
      await makeDir(dir, e.path, dirs);
      dirEntries.push(e);
    } else if (e.type === 'file') {
      await writeFileEntry(path, e, asRoot);
    } else {
      await writeSymlink(path, e, asRoot);
    }
  }
  for (const e of entries) {
    if (e.type !== 'hardlink') continue;
    await ensureParents(dir, e.path, dirs);
    const target = e.linkTarget ?? '';
    const targetEntry = rootfs.get(target);
    if (targetEntry?.type !== 'file') {
      throw rootfsTerminal(
        RootFsErrorCode.rootfsInvalid,
        `materialize: hard link "/${shownPath(e.path)}" points to "/${shownPath(target)}", which is no file of the root`,
      );
    }
    await onDisk(e.path, () => link(join(dir, targetEntry.path), join(dir, e.path)));
  }
  for (const e of dirEntries.reverse()) {
    const handle = await open(join(dir, e.path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    try {
      if (asRoot) await handle.chown(e.uid, e.gid);
      await handle.chmod(e.mode & 0o7777);
      await handle.utimes(e.mtime, e.mtime);
    } finally {
      await handle.close();
    }
  }
}

/** Creates the missing parent directories of `path` (0755), refusing one that is a symlink or a file on disk. */
async function ensureParents(dir: string, path: string, dirs: Set<string>): Promise<void> {
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const parent = segments.slice(0, i).join('/');
    if (!dirs.has(parent)) await makeDir(dir, parent, dirs);
  }
}

/** Creates directory `path` (0755, root-owned; a directory entry gets its own mode and owner at the end), or accepts a real directory already there. */
async function makeDir(dir: string, path: string, dirs: Set<string>): Promise<void> {
  if (dirs.has(path)) return;
  const full = join(dir, path);
  const existing = await lstatOrUndefined(full);
  if (existing === undefined) {
    await mkdir(full);
    await chmod(full, 0o755);
  } else if (existing.isSymbolicLink()) {
    throw rootfsTerminal(
      RootFsErrorCode.unsafePath,
      `materialize: "/${shownPath(path)}" is a symlink on disk; nothing is written through it`,
    );
  } else if (!existing.isDirectory()) {
    throw rootfsTerminal(
      RootFsErrorCode.fileConflict,
      `materialize: "/${shownPath(path)}" is already a file on disk, not a directory`,
    );
  }
  dirs.add(path);
}

async function writeFileEntry(path: string, e: TarEntry, asRoot: boolean): Promise<void> {
  const handle = await onDisk(e.path, () => open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600));
  try {
    await handle.writeFile(e.data);
    // chown clears setuid/setgid bits, so the mode comes after the owner.
    if (asRoot) await handle.chown(e.uid, e.gid);
    await handle.chmod(e.mode & 0o7777);
    await handle.utimes(e.mtime, e.mtime);
  } finally {
    await handle.close();
  }
}

async function writeSymlink(path: string, e: TarEntry, asRoot: boolean): Promise<void> {
  await onDisk(e.path, () => symlink(e.linkTarget ?? '', path));
  if (asRoot) await lchown(path, e.uid, e.gid);
  await lutimes(path, e.mtime, e.mtime);
}

/** Runs a create operation, turning "already exists" into a clear error. */
async function onDisk<T>(path: string, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' || (error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw rootfsTerminal(
        RootFsErrorCode.fileConflict,
        `materialize: "/${shownPath(path)}" already exists on disk; materialize into an empty directory`,
      );
    }
    throw error;
  }
}
