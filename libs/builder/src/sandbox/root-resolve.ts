import type { Stats } from 'node:fs';
import { chmod, chown, lstat, mkdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { shownPath } from '../builder-errors';

/** Where a path leads inside a materialized root, resolved the way a process chrooted there would see it. */
export type InRootResolution =
  /** The path exists; `path` is its root-relative real location (`.` for the root), `stat` its lstat. */
  | { kind: 'found'; path: string; stat: Stats }
  /** A component is missing: `path` is the first missing one (root-relative, its parent exists as a directory). */
  | { kind: 'missing'; path: string }
  /** A component that should be a directory is something else: `path` is that component. */
  | { kind: 'notDir'; path: string };

export interface ResolveOptions {
  /** Follow a symlink in the last component too (else it is returned as the symlink). */
  followFinal: boolean;
  /** Builds the error for a path that climbs above the root or loops; `why` names the problem. */
  unsafe: (why: string) => Error;
}

const MAX_HOPS = 40;

/**
 * Resolves `raw` inside the directory `root` without ever letting the host follow a symlink:
 * each component is `lstat`ed, symlinks are read and followed by hand, an absolute target
 * starting again at `root`. A target that climbs above the root, or more than 40 symlinks,
 * throws `opts.unsafe`. Every directory of the returned path is a real directory (no symlink),
 * so a host operation on `join(root, path)` follows nothing but, at most, the last component.
 */
export async function resolveInRoot(root: string, raw: string, opts: ResolveOptions): Promise<InRootResolution> {
  const pending = raw.split('/').reverse();
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const segment = pending.pop() ?? '';
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (done.pop() === undefined) throw opts.unsafe(`"${shownPath(raw)}" leads above the root`);
      continue;
    }
    const path = [...done, segment].join('/');
    const stat = await lstatOrUndefined(join(root, path));
    if (stat === undefined) return { kind: 'missing', path };
    const last = pending.every((s) => s === '' || s === '.');
    if (stat.isSymbolicLink() && (!last || opts.followFinal)) {
      if (++hops > MAX_HOPS) throw opts.unsafe(`"${shownPath(raw)}" passes through more than ${MAX_HOPS} symlinks`);
      const target = await readlink(join(root, path));
      if (target.startsWith('/')) done.length = 0;
      pending.push(...target.split('/').reverse());
      continue;
    }
    if (!last && !stat.isDirectory()) return { kind: 'notDir', path };
    done.push(segment);
  }
  const path = done.length === 0 ? '.' : done.join('/');
  return { kind: 'found', path, stat: await lstat(join(root, path)) };
}

/**
 * Makes sure `raw` is a directory inside `root` (symlinks followed inside the root), creating
 * missing components with mode 0755, owned by `uid:gid` when running as root. Returns its
 * root-relative location. Throws `fail(why)` when a component is no directory or the path
 * leads out of the root.
 */
export async function ensureDirInRoot(
  root: string,
  raw: string,
  owner: { uid: number; gid: number },
  fail: (why: string) => Error,
): Promise<string> {
  for (let created = 0; created < 256; created++) {
    const res = await resolveInRoot(root, raw, { followFinal: true, unsafe: fail });
    if (res.kind === 'found') {
      if (!res.stat.isDirectory()) throw fail(`"/${shownPath(res.path)}" is no directory`);
      return res.path;
    }
    if (res.kind === 'notDir') throw fail(`"/${shownPath(res.path)}" is no directory`);
    await mkdir(join(root, res.path));
    await chmod(join(root, res.path), 0o755);
    if (process.getuid?.() === 0) await chown(join(root, res.path), owner.uid, owner.gid);
  }
  throw fail(`"${shownPath(raw)}" is too deep`);
}

/**
 * Makes sure the top-level `name` of `root` is a real directory (a mount point the sandbox
 * mounts over), creating it with `mode`. Throws `fail(why)` for a symlink or a file there:
 * mounting over those would follow them on the host.
 */
export async function ensureMountPoint(
  root: string,
  name: string,
  mode: number,
  fail: (why: string) => Error,
): Promise<void> {
  const path = join(root, name);
  const stat = await lstatOrUndefined(path);
  if (stat === undefined) {
    await mkdir(path);
    await chmod(path, mode);
    return;
  }
  if (!stat.isDirectory())
    throw fail(
      `"/${name}" is a ${stat.isSymbolicLink() ? 'symlink' : 'file'} in the build root, where the sandbox mounts its own /${name}; remove it`,
    );
}

/** `lstat`, or undefined when nothing is there. */
export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
