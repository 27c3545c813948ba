import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { shown } from '../builder-errors';
import { resolveInRoot } from './root-resolve';
import { SandboxErrorCode, sandboxTerminal } from './sandbox-errors';

/** The user and group a step runs as. */
export interface RunAsIds {
  uid: number;
  gid: number;
}

const NUMBER = /^\d{1,10}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;
const MAX_ID = 0xffff_fffe;
const MAX_ACCOUNT_FILE = 4 * 1024 * 1024;

/**
 * Resolves a step's `run-as`: `user` or `user:group`, each a number or a name looked up in the
 * materialized root's `/etc/passwd` and `/etc/group`. Without a group, the user's primary
 * group from /etc/passwd is used, else (a number not in /etc/passwd) the same number as the
 * uid. Throws `build-step-unsupported` for a malformed value and `build-step-failed` for a name
 * the root does not know.
 */
export async function resolveRunAs(root: string, runAs: string, what: string): Promise<RunAsIds> {
  const parts = runAs.split(':');
  const [user, group] = parts;
  const malformed = () =>
    sandboxTerminal(
      SandboxErrorCode.stepUnsupported,
      `${what}: run-as "${shown(runAs, 80)}" is not "user" or "user:group" (names or ids up to ${MAX_ID}); fix the definition`,
    );
  if (parts.length > 2 || user === undefined || !validPart(user) || (group !== undefined && !validPart(group)))
    throw malformed();
  const unknown = (kind: string, name: string, file: string) =>
    sandboxTerminal(
      SandboxErrorCode.stepFailed,
      `${what} cannot run as "${shown(runAs, 80)}": ${kind} "${shown(name, 40)}" is not in the build root's ${file}; add it (accounts) or use a number`,
    );

  let uid: number;
  let primary: string | undefined;
  if (NUMBER.test(user)) {
    uid = toId(user, malformed);
    primary = (await readAccounts(root, 'etc/passwd')).find((f) => f[2] === String(uid))?.[3];
  } else {
    const entry = (await readAccounts(root, 'etc/passwd')).find((f) => f[0] === user);
    if (entry === undefined) throw unknown('user', user, '/etc/passwd');
    uid = toId(entry[2] ?? '', malformed);
    primary = entry[3];
  }
  let gid: number;
  if (group === undefined) gid = primary !== undefined && NUMBER.test(primary) ? toId(primary, malformed) : uid;
  else if (NUMBER.test(group)) gid = toId(group, malformed);
  else {
    const entry = (await readAccounts(root, 'etc/group')).find((f) => f[0] === group);
    if (entry === undefined) throw unknown('group', group, '/etc/group');
    gid = toId(entry[2] ?? '', malformed);
  }
  return { uid, gid };
}

function validPart(part: string): boolean {
  return NUMBER.test(part) || NAME.test(part);
}

function toId(text: string, malformed: () => Error): number {
  if (!NUMBER.test(text)) throw malformed();
  const id = Number(text);
  if (id > MAX_ID) throw malformed();
  return id;
}

/** The colon-separated fields of each line of an account file of the root (none when it is missing). */
async function readAccounts(root: string, path: string): Promise<string[][]> {
  const found = await resolveInRoot(root, path, {
    followFinal: true,
    unsafe: (why) => sandboxTerminal(SandboxErrorCode.stepFailed, `/${path} of the build root is unusable: ${why}`),
  });
  if (found.kind !== 'found' || !found.stat.isFile() || found.stat.size > MAX_ACCOUNT_FILE) return [];
  const handle = await open(join(root, found.path), constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const text = await handle.readFile('utf8');
    return text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } finally {
    await handle.close();
  }
}
