import { lstat, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { shown, shownPath } from '@patch-factory/builder';
import { ImageTestErrorCode, imageTestTerminal } from './imagetest-errors';

export const DEFAULT_TEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_ID = 0xffff_fffe;

/** The image config's `Env` (`NAME=value` entries) as a map; PATH defaults to {@link DEFAULT_TEST_PATH}. */
export function imageEnv(env: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = { PATH: DEFAULT_TEST_PATH };
  (env ?? []).forEach((entry, i) => {
    const eq = typeof entry === 'string' ? entry.indexOf('=') : -1;
    const name = eq > 0 ? entry.slice(0, eq) : '';
    if (!ENV_NAME.test(name) || entry.includes('\u0000')) {
      throw imageTestTerminal(
        ImageTestErrorCode.testInvalid,
        `image config Env[${i}] "${shown(String(entry), 80)}" is not NAME=value with a variable name and no NUL; fix the definition's environment`,
      );
    }
    out[name] = entry.slice(eq + 1);
  });
  return out;
}

/** Checks a uid/gid pair (default 0:0). */
export function imageUser(user: { uid: number; gid: number } | undefined): { uid: number; gid: number } {
  const u = user ?? { uid: 0, gid: 0 };
  for (const [name, id] of [
    ['uid', u.uid],
    ['gid', u.gid],
  ] as const) {
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID)
      throw imageTestTerminal(
        ImageTestErrorCode.testInvalid,
        `image user ${name} ${String(id)} is not an id between 0 and ${MAX_ID}`,
      );
  }
  return u;
}

/**
 * The OCI config `User` as numbers: `uid` or `uid:gid` (what libs/builder writes). Empty means
 * root. Names are refused: resolve them first (the image's /etc/passwd is hostile input too).
 */
export function parseConfigUser(user: string | undefined): { uid: number; gid: number } {
  if (user === undefined || user === '') return { uid: 0, gid: 0 };
  const m = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(user);
  if (!m)
    throw imageTestTerminal(
      ImageTestErrorCode.testInvalid,
      `image config User "${shown(user, 60)}" is not a numeric uid or uid:gid`,
    );
  const uid = Number(m[1]);
  return imageUser({ uid, gid: m[2] === undefined ? uid : Number(m[2]) });
}

/**
 * Makes sure `/proc`, `/dev` and `/tmp` of the root are real directories the sandbox can mount
 * over (creating empty ones when missing: the only change made to the root).
 */
export async function ensureMountPoints(root: string): Promise<void> {
  const top = await lstat(root).catch(() => undefined);
  if (!top?.isDirectory())
    throw imageTestTerminal(ImageTestErrorCode.rootUnusable, `image root "${shownPath(root)}" is not a directory`);
  for (const [name, mode] of [
    ['proc', 0o555],
    ['dev', 0o755],
    ['tmp', 0o1777],
  ] as const) {
    const path = join(root, name);
    const s = await lstat(path).catch(() => undefined);
    if (s === undefined) {
      await mkdir(path, { mode });
      continue;
    }
    if (!s.isDirectory())
      throw imageTestTerminal(
        ImageTestErrorCode.rootUnusable,
        `image root "${shownPath(root)}": /${name} is not a directory (a symlink or file), so the sandbox cannot mount over it`,
      );
  }
}

/** Under bubblewrap as another user, the root and every directory above it must be searchable by them. */
export async function checkReachable(root: string, uid: number, gid: number): Promise<void> {
  for (let dir = root; ; dir = dirname(dir)) {
    const s = await stat(dir);
    const bit = s.uid === uid ? 0o100 : s.gid === gid ? 0o010 : 0o001;
    if ((s.mode & bit) === 0) {
      throw imageTestTerminal(
        ImageTestErrorCode.rootUnusable,
        `the image runs as ${uid}:${gid}, who cannot reach its root: "${shownPath(dir)}" (mode ${(s.mode & 0o7777).toString(8).padStart(4, '0')}) is not searchable by them; unpack into a directory everyone may traverse`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}
