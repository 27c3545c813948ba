import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** How a test command is isolated: bubblewrap, or (root only) unshare + chroot. */
export type TestSandboxKind = 'bwrap' | 'chroot';

/** One command as the sandbox runs it: every path is inside the image root. */
export interface TestInvocation {
  /** The unpacked image root on the host. */
  root: string;
  /** What runs: `[shell, '-c', command]` or the command's own words (argv[0] absolute). */
  argv: string[];
  env: Record<string, string>;
  /** Absolute, existing directory inside the root. */
  workDir: string;
  uid: number;
  gid: number;
  /** Bind the root read-write (default: read-only, with an empty writable /tmp). */
  writable: boolean;
}

/** A host process to start. */
export interface HostCommand {
  file: string;
  args: string[];
  /** Start it as this user and group (running as root). */
  uid?: number;
  gid?: number;
}

/** What root keeps of its capabilities in a test: Docker's defaults without network, mknod, chroot and audit. */
export const TEST_ROOT_CAPABILITIES = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP'] as const;
const PROC_READ_ONLY = ['sys', 'sysrq-trigger', 'fs', 'irq', 'bus'];
const PROC_MASKED_FILES = ['kcore', 'keys', 'timer_list', 'sched_debug'];
const PROC_MASKED_DIRS = ['acpi', 'scsi'];

function inProc(names: readonly string[]): string[] {
  return names.filter((n) => existsSync(`/proc/${n}`));
}

/**
 * The bubblewrap command line of one test command, with the flags of libs/builder's build
 * sandbox: no network, IPC, UTS or PID sharing; only the image root at `/` (read-only unless
 * `writable`); a fresh /proc with its host-changing parts read-only or hidden; a minimal /dev;
 * an empty /tmp; exactly the image's environment. Root (0:0) gets no user namespace and only
 * {@link TEST_ROOT_CAPABILITIES}; another user starts bubblewrap as that user (when we are
 * root), so it runs unprivileged in a user namespace mapping just that uid/gid.
 */
export function bwrapTestCommand(bwrap: string, inv: TestInvocation, asRoot: boolean): HostCommand {
  const tail = [
    '--die-with-parent',
    '--new-session',
    inv.writable ? '--bind' : '--ro-bind', inv.root, '/',
    '--proc', '/proc',
    ...inProc(PROC_READ_ONLY).flatMap((n) => ['--ro-bind', `/proc/${n}`, `/proc/${n}`]),
    ...inProc(PROC_MASKED_FILES).flatMap((n) => ['--ro-bind', '/dev/null', `/proc/${n}`]),
    ...inProc(PROC_MASKED_DIRS).flatMap((n) => ['--tmpfs', `/proc/${n}`, '--remount-ro', `/proc/${n}`]),
    '--dev', '/dev',
    '--perms', '1777', '--tmpfs', '/tmp',
    '--clearenv',
    ...Object.entries(inv.env).flatMap(([k, v]) => ['--setenv', k, v]),
    '--chdir', inv.workDir,
    '--',
    ...inv.argv,
  ];
  if (asRoot && inv.uid === 0 && inv.gid === 0) {
    const caps = TEST_ROOT_CAPABILITIES.flatMap((c) => ['--cap-add', c]);
    return { file: bwrap, args: ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try', '--cap-drop', 'ALL', ...caps, ...tail] };
  }
  const userns = ['--unshare-all', '--unshare-user', '--disable-userns'];
  if (asRoot) return { file: bwrap, args: [...userns, ...tail], uid: inv.uid, gid: inv.gid };
  return { file: bwrap, args: [...userns, '--uid', String(inv.uid), '--gid', String(inv.gid), ...tail] };
}

/** Host tools of the chroot fallback. */
export interface ChrootHostTools {
  unshare: string;
  setpriv: string;
  mount: string;
  ln: string;
  sh: string;
  env: string;
}

/**
 * Mounts in the new namespaces, before the test, with the host still visible: the root bound
 * onto itself (read-only unless `$4` is `rw`), a fresh /proc (host-changing parts read-only), a
 * tmpfs /dev with the harmless devices, a tmpfs /tmp; then `exec "$@"`. Arguments are paths.
 */
const CHROOT_SETUP = [
  'set -eu',
  'mount=$1 ln=$2 root=$3 rw=$4',
  'shift 4',
  '"$mount" --bind "$root" "$root"',
  'if [ "$rw" != rw ]; then "$mount" -o remount,bind,ro "$root"; fi',
  '"$mount" -t proc -o nosuid,nodev,noexec proc "$root/proc"',
  `for p in ${PROC_READ_ONLY.join(' ')}; do if [ -e "$root/proc/$p" ]; then "$mount" --bind "$root/proc/$p" "$root/proc/$p"; "$mount" -o remount,bind,ro "$root/proc/$p"; fi; done`,
  `for p in ${PROC_MASKED_FILES.join(' ')}; do if [ -e "$root/proc/$p" ]; then "$mount" --bind /dev/null "$root/proc/$p"; fi; done`,
  '"$mount" -t tmpfs -o nosuid,noexec,mode=0755,size=1m pf-dev "$root/dev"',
  'for d in null zero full random urandom tty; do : > "$root/dev/$d"; "$mount" --bind "/dev/$d" "$root/dev/$d"; done',
  '"$ln" -s /proc/self/fd "$root/dev/fd"',
  '"$mount" -t tmpfs -o nosuid,nodev,mode=1777 pf-tmp "$root/tmp"',
  'exec "$@"',
].join('\n');

/** Runs in the image's shell: exports `NAME=value` up to `--` (no host program sees them), then execs the rest. */
const CHROOT_ENV = 'while [ "$1" != -- ]; do export "$1" || exit 127; shift; done; shift; exec "$@"';

/**
 * The chroot fallback (root only, like libs/builder's): `unshare --net --pid --fork --mount
 * --ipc --uts`, {@link CHROOT_SETUP}, an empty environment, `setpriv --no-new-privs` with a
 * bounding set of {@link TEST_ROOT_CAPABILITIES} plus CAP_SYS_CHROOT (which `unshare --root`
 * needs: weaker than bubblewrap, a root test could leave the chroot), `unshare --root --wd --setgid --setuid`, then
 * the image's `shell` sets the environment and execs argv. It needs a shell in the image:
 * the image's environment must never reach a host program (LD_PRELOAD…).
 */
export function chrootTestCommand(tools: ChrootHostTools, inv: TestInvocation, shell: string): HostCommand {
  const bounding = ['-all', ...[...TEST_ROOT_CAPABILITIES, 'CAP_SYS_CHROOT'].map((c) => `+${c.slice(4).toLowerCase()}`)].join(',');
  const envPairs = Object.entries(inv.env).map(([k, v]) => `${k}=${v}`);
  return {
    file: tools.unshare,
    args: [
      '--net', '--pid', '--fork', '--kill-child', '--mount', '--ipc', '--uts', '--propagation', 'private', '--',
      tools.sh, '-c', CHROOT_SETUP, 'pf-imagetest', tools.mount, tools.ln, inv.root, inv.writable ? 'rw' : 'ro',
      tools.env, '-i',
      tools.setpriv, '--no-new-privs', '--bounding-set', bounding, '--',
      tools.unshare, `--root=${inv.root}`, `--wd=${inv.workDir}`, '--setgid', String(inv.gid), '--setuid', String(inv.uid), '--',
      shell, '-c', CHROOT_ENV, shell, ...envPairs, '--', ...inv.argv,
    ],
  };
}

/** The absolute path of an executable `name` on the host's PATH, or undefined. */
export async function findHostTool(name: string): Promise<string | undefined> {
  const dirs = (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).filter((d) => d.startsWith('/'));
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}
