// Test helpers (not a suite): did a hostile package write anything on the host?
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { resolve } from 'node:path';

/** Paths below `roots` (searched with find, unreadable parts skipped) whose name contains `token`. */
export function pathsNamed(token: string, roots: readonly string[]): string[] {
  const found = spawnSync('find', [...roots.filter((r) => existsSync(r)), '-name', `*${token}*`], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    timeout: 60_000,
  });
  if (found.error) throw found.error;
  return found.stdout.split('\n').filter((l) => l !== '');
}

/** Where an entry path of an archive would land if a writer took it relative to each of `bases` (absolute paths: as they are). */
export function wouldBeTargets(entry: string, bases: readonly string[]): string[] {
  return [...new Set(bases.map((b) => resolve(b, entry)))];
}

/** Those of `paths` that exist (symlinks included, dangling or not). */
export function existing(paths: readonly string[]): string[] {
  return paths.filter((p) => {
    try {
      lstatSync(p);
      return true;
    } catch {
      return false;
    }
  });
}
