import { shown } from '../builder-errors';
import type { TarEntry } from '@patch-factory/oci';
import { RootFsErrorCode, rootfsTerminal } from './rootfs-errors';
import type { RootFs } from './rootfs';

/** A user of a definition's `accounts.users` (home and shell are optional extras). */
export interface AccountUser {
  name: string;
  uid: number;
  gid: number;
  home?: string;
  shell?: string;
}

/** A group of a definition's `accounts.groups`. */
export interface AccountGroup {
  name: string;
  gid: number;
  members?: readonly string[];
}

/** The parts of a definition's `accounts:` section the root file system needs. */
export interface AccountsInput {
  'run-as'?: string;
  users?: readonly AccountUser[];
  groups?: readonly AccountGroup[];
}

const NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const FIELD_PATH = /^\/[^:\s]{0,255}$/;
const MAX_ID = 0xffff_fffe;
const NOLOGIN = '/usr/sbin/nologin';

const BASE_USERS: AccountUser[] = [
  { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' },
  { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent', shell: NOLOGIN },
];
const BASE_GROUPS: AccountGroup[] = [
  { name: 'root', gid: 0, members: [] },
  { name: 'nogroup', gid: 65534, members: [] },
];

const invalid = (why: string) => rootfsTerminal(RootFsErrorCode.rootfsInvalid, `accounts: ${why}; fix the definition`);

function checkId(id: unknown, what: string): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID)
    throw invalid(`${what} is not an id between 0 and ${MAX_ID}`);
  return id;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !NAME.test(name))
    throw invalid(`${what} "${shown(String(name), 40)}" is not a valid account name`);
  return name;
}

/** Base entries first; a definition entry with a base entry's name replaces it in place; names given twice by the definition are refused. */
function merge<T extends { name: string }>(base: readonly T[], extra: readonly T[], kind: string): T[] {
  const out = [...base];
  const seen = new Set<string>();
  for (const e of extra) {
    if (seen.has(e.name)) throw invalid(`${kind} "${e.name}" is given twice`);
    seen.add(e.name);
    const i = out.findIndex((b) => b.name === e.name);
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

const text = (path: string, body: string, mode: number, gid = 0): TarEntry => ({
  path,
  type: 'file',
  mode,
  uid: 0,
  gid,
  mtime: 0,
  data: Buffer.from(body, 'utf8'),
});

/**
 * Writes `etc/passwd`, `etc/group` (0644) and `etc/shadow` (0640, group `shadow` if defined,
 * else root) from a definition's accounts, merged after the base entries root (0) and
 * nobody/nogroup (65534). Every password is locked. Throws `build-rootfs-invalid` for a bad
 * name, id, home or shell, a name given twice, or a `run-as` naming no user.
 */
export function writeAccounts(rootfs: RootFs, accounts: AccountsInput = {}): void {
  const users = merge(
    BASE_USERS,
    (accounts.users ?? []).map((u) => {
      const name = checkName(u.name, 'user');
      const home = u.home ?? `/home/${name}`;
      const shell = u.shell ?? NOLOGIN;
      if (!FIELD_PATH.test(home)) throw invalid(`home of user ${name} is not an absolute path without ":" or spaces`);
      if (!FIELD_PATH.test(shell)) throw invalid(`shell of user ${name} is not an absolute path without ":" or spaces`);
      return {
        name,
        uid: checkId(u.uid, `uid of user ${name}`),
        gid: checkId(u.gid, `gid of user ${name}`),
        home,
        shell,
      };
    }),
    'user',
  );
  const groups = merge(
    BASE_GROUPS,
    (accounts.groups ?? []).map((g) => {
      const name = checkName(g.name, 'group');
      const members = (g.members ?? []).map((m) => checkName(m, `member of group ${name}`));
      return { name, gid: checkId(g.gid, `gid of group ${name}`), members };
    }),
    'group',
  );
  const runAs = accounts['run-as'];
  if (runAs !== undefined && !/^\d+(:\d+)?$/.test(runAs) && !users.some((u) => u.name === runAs.split(':')[0])) {
    throw invalid(`run-as "${shown(runAs, 40)}" names no user`);
  }
  const passwd = users
    .map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.name}:${u.home ?? '/'}:${u.shell ?? NOLOGIN}\n`)
    .join('');
  const group = groups.map((g) => `${g.name}:x:${g.gid}:${(g.members ?? []).join(',')}\n`).join('');
  const shadow = users.map((u) => `${u.name}:*::0:99999:7:::\n`).join('');
  const shadowGid = groups.find((g) => g.name === 'shadow')?.gid ?? 0;
  rootfs.put(text('etc/passwd', passwd, 0o644), 'accounts');
  rootfs.put(text('etc/group', group, 0o644), 'accounts');
  rootfs.put(text('etc/shadow', shadow, 0o640, shadowGid), 'accounts');
}
