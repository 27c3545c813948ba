import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lstatOrUndefined } from './root-resolve';

/** A fresh directory for one build and the (empty) build root inside it. */
export interface BuildDir {
  /** Remove this when done. */
  dir: string;
  /** Where the build root is materialized. */
  root: string;
}

/**
 * Creates `<parent>/pf-build-XXXXXX` (mode 0711: a step started as another user must reach the
 * root inside, but nobody may list it) holding the empty root `root-<random>` (0755).
 */
export async function makeBuildDir(parent = tmpdir()): Promise<BuildDir> {
  const dir = await mkdtemp(join(parent, 'pf-build-'));
  await chmod(dir, 0o711);
  const root = join(dir, `root-${randomBytes(8).toString('hex')}`);
  await mkdir(root);
  await chmod(root, 0o755);
  return { dir, root };
}

/** Removes a build directory and everything in it, making read-only directories writable first when needed (not running as root). */
export async function removeBuildDir(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    await makeWritable(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

/** `chmod 0700` on every real directory below `dir` (symlinks are not followed). */
async function makeWritable(dir: string): Promise<void> {
  const stat = await lstatOrUndefined(dir);
  if (stat === undefined || !stat.isDirectory()) return;
  await chmod(dir, 0o700);
  for (const name of await readdir(dir)) await makeWritable(join(dir, name));
}
