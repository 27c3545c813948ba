import type { Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** What a path of the image names, resolved as the image itself would (symlinks stay inside the root). */
export type ImagePathLookup =
  | { kind: 'found'; /** `/usr/bin/redis-check-rdb`: the resolved path inside the image. */ path: string; stat: Stats }
  | { kind: 'missing'; path: string }
  | { kind: 'loop'; path: string };

const MAX_LINKS = 40;

/**
 * Resolves `path` (absolute, inside the image) in the unpacked root `root` the way the kernel
 * would after a chroot: every symlink's target is read from the root (an absolute target starts
 * at the root again, `..` stops at it), so nothing outside `root` is ever looked at. Only lstat
 * and readlink are used. With `followFinal: false` a final symlink is returned as itself.
 */
export async function lookupInImage(root: string, path: string, followFinal = true): Promise<ImagePathLookup> {
  const pending = split(path);
  const done: string[] = [];
  let links = 0;
  for (;;) {
    const name = pending.shift();
    if (name === undefined) break;
    if (name === '..') {
      done.pop();
      continue;
    }
    const here = [...done, name];
    const shown = `/${here.join('/')}`;
    let stat: Stats;
    try {
      stat = await lstat(join(root, ...here));
    } catch {
      return { kind: 'missing', path: shown };
    }
    if (stat.isSymbolicLink() && (pending.length > 0 || followFinal)) {
      if (++links > MAX_LINKS) return { kind: 'loop', path: shown };
      const target = await readlink(join(root, ...here));
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...split(target));
      continue;
    }
    if (pending.length > 0 && !stat.isDirectory()) return { kind: 'missing', path: shown };
    done.push(name);
  }
  const final = `/${done.join('/')}`;
  return { kind: 'found', path: final, stat: await lstat(join(root, ...done)) };
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** An executable regular file at `path` in the image (after symlinks), or undefined. */
export async function imageExecutable(root: string, path: string): Promise<string | undefined> {
  const found = await lookupInImage(root, path);
  if (found.kind !== 'found' || !found.stat.isFile() || (found.stat.mode & 0o111) === 0) return undefined;
  return found.path;
}
