import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { shown } from '@patch-factory/builder';
import type { Accounts } from '@patch-factory/definitions';
import { lookupInImage } from './image-path';

export interface UserPolicyInput {
  /** The definition's `accounts` (only `root` and `run-as` matter here). */
  accounts?: Pick<Accounts, 'root' | 'run-as'>;
  /** The image config's `User` (`uid[:gid]` or a name from the image's /etc/passwd); empty or missing is root. */
  user?: string;
}

const MAX_PASSWD = 4 * 1024 * 1024;

/**
 * `non-root-user`: the image must not run as root (config User empty, `0`, `0:…`, `root`, or a
 * name whose uid is 0) unless its definition says so on purpose: `accounts.root: true` AND
 * `accounts.run-as` root (`root`, `0`, `0:…`, `root:…`). Both must hold, whatever the variant
 * (the catalog has runtime images that deliberately run as root that way).
 */
export async function checkUser(
  root: string,
  input: UserPolicyInput,
): Promise<{
  status: 'passed' | 'failed';
  findings: { path: string; kind: string; detail?: string }[];
  message: string;
}> {
  const user = input.user ?? '';
  const shownUser = user === '' ? '(empty)' : `"${shown(user, 60)}"`;
  const name = user.split(':')[0] ?? '';
  let uid: number | undefined;
  if (name === '') uid = 0;
  else if (/^\d{1,10}$/.test(name)) uid = Number(name);
  else uid = await passwdUid(root, name);
  if (uid === undefined) {
    return {
      status: 'failed',
      findings: [{ path: 'config.User', kind: 'unknown user', detail: `${shownUser} is not in /etc/passwd` }],
      message: `config User ${shownUser} is not a user of the image's /etc/passwd`,
    };
  }
  if (uid !== 0) return { status: 'passed', findings: [], message: `runs as uid ${uid} (config User ${shownUser})` };
  const runAs = input.accounts?.['run-as'];
  const declared = input.accounts?.root === true && runAs !== undefined && /^(?:root|0)(?::.*)?$/.test(runAs);
  if (declared)
    return {
      status: 'passed',
      findings: [],
      message: `runs as root, as the definition declares (accounts.root: true, run-as: ${shown(runAs ?? '', 40)})`,
    };
  const why =
    input.accounts?.root !== true
      ? 'accounts.root is not true'
      : `accounts.run-as is ${runAs === undefined ? 'not set' : `"${shown(runAs, 40)}"`}, not root`;
  return {
    status: 'failed',
    findings: [{ path: 'config.User', kind: 'runs as root', detail: `User ${shownUser}; ${why}` }],
    message: `the image runs as root (config User ${shownUser}) but ${why}; run as a non-root user, or declare accounts.root: true and run-as: root`,
  };
}

/** The uid of `name` in the image's /etc/passwd (read inside the image, size-capped), or undefined. */
async function passwdUid(root: string, name: string): Promise<number | undefined> {
  const found = await lookupInImage(root, '/etc/passwd');
  if (found.kind !== 'found' || !found.stat.isFile() || found.stat.size > MAX_PASSWD) return undefined;
  const handle = await open(join(root, found.path), constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const text = await handle.readFile('utf8');
    const fields = text
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[0] === name);
    const uid = fields?.[2];
    return uid !== undefined && /^\d{1,10}$/.test(uid) ? Number(uid) : undefined;
  } finally {
    await handle.close();
  }
}
