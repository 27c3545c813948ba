import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

/** Where host tools are looked for after `$PATH` (a service's PATH often lacks the sbin directories). */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of the executable `name` on the host (`$PATH`, then the system directories), or undefined. */
export async function findHostTool(name: string): Promise<string | undefined> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...SYSTEM_DIRS].filter((d) => d !== '' && isAbsolute(d));
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

/** The host tools the chroot fallback runs: `unshare`, `setpriv`, `mount` (util-linux), `env`, `ln` (coreutils) and `sh`. */
export interface ChrootTools {
  unshare: string;
  setpriv: string;
  mount: string;
  env: string;
  ln: string;
  sh: string;
}

/** Finds every tool the chroot fallback needs; the names of missing ones in `missing`. */
export async function findChrootTools(): Promise<{ tools?: ChrootTools; missing: string[] }> {
  const names = ['unshare', 'setpriv', 'mount', 'env', 'ln', 'sh'] as const;
  const found = await Promise.all(names.map((n) => findHostTool(n)));
  const missing = names.filter((_, i) => found[i] === undefined);
  const [unshare, setpriv, mount, env, ln, sh] = found;
  if (unshare === undefined || setpriv === undefined || mount === undefined || env === undefined || ln === undefined || sh === undefined) return { missing };
  return { tools: { unshare, setpriv, mount, env, ln, sh }, missing };
}
