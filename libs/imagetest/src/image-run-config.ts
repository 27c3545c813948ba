import { shown } from '@patch-factory/contracts';
import type { TarEntry } from '@patch-factory/oci';
import { ImageTestErrorCode, imageTestTerminal } from './imagetest-errors';

/** What the image tests need of an OCI image config's `config`. */
export interface ImageRunConfig {
  env: string[];
  /** The config's `User` as written (`''` is root), for the policy checks. */
  configUser: string;
  user: { uid: number; gid: number };
  workDir: string;
}

const MAX_ID = 0xffff_fffe;
const MAX_PASSWD = 4 * 1024 * 1024;

/**
 * Env, User and WorkingDir of the image config. A User name (`nonroot`, `nonroot:staff`) is
 * resolved through the image's own /etc/passwd and /etc/group (regular files only, size-capped).
 * Throws TerminalError(`image-config-invalid`) naming the field.
 */
export function imageRunConfig(
  config: Record<string, unknown>,
  fs: ReadonlyMap<string, TarEntry>,
  where: string,
): ImageRunConfig {
  const bad = (field: string, why: string) =>
    imageTestTerminal(ImageTestErrorCode.configInvalid, `${shown(where, 200)}: image config ${field} ${why}`);
  const raw = config['config'] ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('config', 'is not an object');
  const c = raw as Record<string, unknown>;
  const env = c['Env'] ?? [];
  if (!Array.isArray(env) || env.length > 10_000 || !env.every((e) => typeof e === 'string'))
    throw bad('Env', 'is not a list of strings');
  const user = c['User'] ?? '';
  if (typeof user !== 'string' || user.length > 256) throw bad('User', 'is not a string');
  const workDir = c['WorkingDir'] ?? '';
  if (typeof workDir !== 'string') throw bad('WorkingDir', 'is not a string');
  if (workDir.length > 4096 || (workDir !== '' && !workDir.startsWith('/')))
    throw bad('WorkingDir', `"${shown(workDir, 80)}" is not an absolute path`);
  const [name = '', group] = user.split(':', 2);
  const uid = name === '' ? 0 : (numeric(name) ?? lookup(fs, 'etc/passwd', name));
  if (uid === undefined) throw bad('User', `"${shown(user, 80)}" names a user the image's /etc/passwd does not have`);
  const gid =
    group === undefined
      ? name === '' || numeric(name) !== undefined
        ? uid
        : lookup(fs, 'etc/passwd', name, 3)
      : (numeric(group) ?? lookup(fs, 'etc/group', group));
  if (gid === undefined) throw bad('User', `"${shown(user, 80)}" names a group the image does not have`);
  return { env, configUser: user, user: { uid, gid }, workDir: workDir === '' ? '/' : workDir };
}

function numeric(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ID ? n : undefined;
}

/** Field `field` (2: the uid / gid) of the line of `name` in a passwd-like file of the image. */
function lookup(fs: ReadonlyMap<string, TarEntry>, path: string, name: string, field = 2): number | undefined {
  const file = fs.get(path);
  if (file?.type !== 'file' || file.data.length > MAX_PASSWD) return undefined;
  const line = file.data
    .toString('utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] === name);
  const value = line?.[field];
  return value === undefined ? undefined : numeric(value);
}
