import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

/** Where host tools are looked for after `$PATH` (a service's PATH often lacks the sbin directories). */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of the executable `name` on the host (`$PATH`, then the system directories), or undefined. */
export async function findHostTool(name: string): Promise<string | undefined> {
  return firstExecutable(
    [...(process.env['PATH'] ?? '').split(delimiter), ...SYSTEM_DIRS].filter((d) => d !== '' && isAbsolute(d)),
    name,
  );
}

/** `dir/name` of the first of `dirs` that holds an executable file `name`. */
async function firstExecutable(dirs: readonly string[], name: string): Promise<string | undefined> {
  for (const dir of new Set(dirs)) {
    const path = join(dir, name);
    try {
      await access(path, constants.X_OK);
      if ((await stat(path)).isFile()) return path;
    } catch {
      // not there: look further
    }
  }
  return undefined;
}

/**
 * The absolute path of the executable `name` in the system directories only (never `$PATH`):
 * the chroot fallback runs its tools again after it has left the host's mount tree, from the
 * read-only system directories it keeps (`/usr`, `/bin`, `/sbin`…), so they must live there.
 */
export function findSystemTool(name: string): Promise<string | undefined> {
  return firstExecutable(SYSTEM_DIRS, name);
}

/**
 * The host tools the chroot fallback runs: `unshare`, `mount`, `umount`, `pivot_root`
 * (util-linux), `mkdir`, `ln`, `env` (coreutils), `capsh` (libcap2-bin) and `sh`.
 */
export interface ChrootTools {
  unshare: string;
  mount: string;
  umount: string;
  pivotRoot: string;
  mkdir: string;
  ln: string;
  env: string;
  capsh: string;
  sh: string;
}

/** Which Debian package holds each chroot tool, for the message when one is missing. */
const CHROOT_TOOL_PACKAGES = {
  unshare: 'util-linux',
  mount: 'mount',
  umount: 'mount',
  pivot_root: 'util-linux',
  mkdir: 'coreutils',
  ln: 'coreutils',
  env: 'coreutils',
  capsh: 'libcap2-bin',
  sh: 'dash',
} as const;

/**
 * Finds every tool the chroot fallback needs in the system directories; the missing ones in
 * `missing`, each as `name (package)`.
 */
export async function findChrootTools(): Promise<{ tools?: ChrootTools; missing: string[] }> {
  const names = Object.keys(CHROOT_TOOL_PACKAGES) as (keyof typeof CHROOT_TOOL_PACKAGES)[];
  const found = await Promise.all(names.map((n) => findSystemTool(n)));
  const missing = names.filter((_, i) => found[i] === undefined).map((n) => `${n} (${CHROOT_TOOL_PACKAGES[n]})`);
  const [unshare, mount, umount, pivotRoot, mkdir, ln, env, capsh, sh] = found;
  if (
    unshare === undefined ||
    mount === undefined ||
    umount === undefined ||
    pivotRoot === undefined ||
    mkdir === undefined ||
    ln === undefined ||
    env === undefined ||
    capsh === undefined ||
    sh === undefined
  ) {
    return { missing };
  }
  return { tools: { unshare, mount, umount, pivotRoot, mkdir, ln, env, capsh, sh }, missing };
}
