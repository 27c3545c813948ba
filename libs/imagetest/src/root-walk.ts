import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { shownPath } from '@patch-factory/builder';
import { ImageTestErrorCode, imageTestTerminal } from './imagetest-errors';

/** One entry of the image root: its path inside the image (`/usr/bin/x`) and its lstat. */
export interface RootEntry {
  path: string;
  stat: Stats;
}

export const MAX_ROOT_ENTRIES = 2_000_000;

/**
 * Every entry below `root` (the root itself excluded), by lstat: symlinks are entries, never
 * followed, so nothing outside the root is read. Sorted by path. Throws
 * `image-policy-root-too-large` past `maxEntries`.
 */
export async function walkRoot(root: string, maxEntries = MAX_ROOT_ENTRIES): Promise<RootEntry[]> {
  const top = await lstat(root).catch(() => undefined);
  if (!top?.isDirectory())
    throw imageTestTerminal(ImageTestErrorCode.rootUnusable, `image root "${shownPath(root)}" is not a directory`);
  const entries: RootEntry[] = [];
  const dirs: string[] = [''];
  for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
    const names = (await readdir(join(root, dir))).sort();
    for (const name of names) {
      const path = `${dir}/${name}`;
      const stat = await lstat(join(root, path));
      entries.push({ path, stat });
      if (entries.length > maxEntries)
        throw imageTestTerminal(
          ImageTestErrorCode.rootTooLarge,
          `image root "${shownPath(root)}" has more than ${maxEntries} entries; the policy checks stop there`,
        );
      if (stat.isDirectory()) dirs.push(path);
    }
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `path` is `dir` or below it. */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}
