import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { shownPath } from '../builder-errors';
import { BuildahErrorCode, buildahTerminal } from './buildah-errors';
import { searchPath } from './buildah-tools';

const run = promisify(execFile);

/** One call's private buildah state, all under `dir`. */
export interface BuildahStorage {
  dir: string;
  /** buildah's global flags that put its storage here. */
  globalArgs: string[];
  /** The whole environment buildah runs with. */
  env: Record<string, string>;
  dockerfile: string;
  imageIdFile: string;
  digestFile: string;
}

/**
 * Makes the temporary directory: vfs storage (`root`, `runroot`), buildah's TMPDIR and HOME,
 * an empty containers.conf and a storage.conf naming only that storage, so a host's
 * configuration (storage options, additional image stores, default capabilities or env)
 * cannot change what is built.
 */
export async function createStorage(parent: string | undefined, dockerfile: string): Promise<BuildahStorage> {
  const where = parent ?? tmpdir();
  const dir = await mkdtemp(join(where, 'pf-buildah-')).catch((error: unknown) => {
    throw buildahTerminal(
      BuildahErrorCode.unavailable,
      `cannot make buildah's temporary storage under ${shownPath(where)}: ${String(error)}; give a writable temporary directory`,
      error,
    );
  });
  try {
    await mkdir(join(dir, 'tmp'));
    await writeFile(join(dir, 'containers.conf'), '');
    // TOML basic strings take JSON's escapes; JSON.stringify never writes TOML's missing `\/`.
    const storageConf = [
      '[storage]',
      'driver = "vfs"',
      `graphroot = ${JSON.stringify(join(dir, 'root'))}`,
      `runroot = ${JSON.stringify(join(dir, 'runroot'))}`,
      '',
    ];
    await writeFile(join(dir, 'storage.conf'), storageConf.join('\n'));
    await writeFile(join(dir, 'Dockerfile'), dockerfile);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    globalArgs: [`--root=${join(dir, 'root')}`, `--runroot=${join(dir, 'runroot')}`, '--storage-driver=vfs'],
    env: {
      PATH: searchPath(),
      HOME: dir,
      TMPDIR: join(dir, 'tmp'),
      CONTAINERS_CONF: join(dir, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
      LC_ALL: 'C',
    },
    dockerfile: join(dir, 'Dockerfile'),
    imageIdFile: join(dir, 'image-id'),
    digestFile: join(dir, 'manifest-digest'),
  };
}

/**
 * Removes the directory. buildah mounts inside its own mount namespace, so nothing should be
 * mounted here; if something is (a changed wrapper, a foreign mount), it is unmounted first,
 * and the directory is kept rather than deleted through a mount into the host's files.
 */
export async function removeStorage(dir: string): Promise<void> {
  for (const mount of await mountsUnder(dir)) {
    await run('umount', ['--lazy', mount], { env: { PATH: searchPath() }, timeout: 30_000 }).catch(() => undefined);
  }
  const left = await mountsUnder(dir);
  if (left.length) {
    throw buildahTerminal(
      BuildahErrorCode.failed,
      `buildah storage ${shownPath(dir)} still has ${left.length} mount(s) (${shownPath(left[0] ?? '')}); unmount them and remove the directory by hand`,
    );
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Mount points at or below `dir` in this process's mount table, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  const points = table
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => field !== undefined)
    // The kernel writes space, tab, newline and backslash as \ooo.
    .map((field) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
  return points.filter((point) => point === dir || point.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
}
