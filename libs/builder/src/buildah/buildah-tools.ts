import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

/** The executables the adapter runs, by absolute path. */
export interface BuildahTools {
  buildah: string;
  unshare: string;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The PATH the adapter searches and hands to buildah. */
export function searchPath(): string {
  return process.env.PATH ?? DEFAULT_PATH;
}

/**
 * buildah runs inside `unshare` in new network, mount and PID namespaces:
 * - network: buildah 1.28 refuses `--network none` with `--isolation chroot` ("cannot set
 *   --network other than host"), so RUN steps would share the host's network; in an empty
 *   namespace neither they nor buildah itself (ADD <url>, pulls) reach anything, loopback
 *   services of the host included;
 * - mount (private propagation, unshare's default): whatever buildah mounts disappears with
 *   the namespace, even when it is killed, and nothing reaches the host's mount table;
 * - PID with --kill-child: killing unshare kills buildah, and with it (the namespace's init)
 *   every process of a RUN step, including daemons that left the process group.
 */
export function namespaced(tools: BuildahTools, buildahArgs: readonly string[]): string[] {
  return ['--net', '--mount', '--pid', '--fork', '--kill-child', '--', tools.buildah, ...buildahArgs];
}

/** The first executable `name` on PATH, or undefined. */
export async function findExecutable(name: string, path = searchPath()): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}

/** buildah and unshare, or the names of the missing ones. */
export async function findTools(): Promise<BuildahTools | { missing: string[] }> {
  const [buildah, unshare] = await Promise.all([findExecutable('buildah'), findExecutable('unshare')]);
  if (buildah && unshare) return { buildah, unshare };
  return { missing: [...(buildah ? [] : ['buildah']), ...(unshare ? [] : ['unshare (util-linux)'])] };
}
