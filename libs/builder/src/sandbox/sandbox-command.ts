import { existsSync } from 'node:fs';
import type { ChrootTools } from './host-tools';
import type { StepCommand } from './step-process';

/** One step as the sandbox runs it: every path is inside the build root. */
export interface SandboxInvocation {
  /** The materialized build root on the host. */
  root: string;
  /** Absolute path of the shell inside the root. */
  shell: string;
  script: string;
  /** The step's whole environment (PATH included). */
  env: Record<string, string>;
  /** Absolute working directory inside the root (it exists). */
  workDir: string;
  uid: number;
  gid: number;
}

/** One command as the sandbox runs it, as its own words: every path is inside the root. */
export interface SandboxArgvInvocation {
  /** The root on the host. */
  root: string;
  /** What runs: `[shell, '-c', script]` or a program's own words (argv[0] absolute). */
  argv: string[];
  /** The command's whole environment. */
  env: Record<string, string>;
  /** Absolute working directory inside the root (it exists). */
  workDir: string;
  uid: number;
  gid: number;
  /** Bind the root read-only (/tmp stays an empty writable tmpfs); default read-write. */
  readOnlyRoot?: boolean;
}

/**
 * The umask every step runs with, whatever the factory's own: what a step writes has the same
 * modes on every host (the reproducible-builds norm), so the image's digest does not depend on
 * who started the factory.
 */
export const STEP_UMASK = '022';

/** The host name every step sees (its own UTS namespace): never the factory host's, the same everywhere. */
export const STEP_HOSTNAME = 'pf-build';

/**
 * Runs first in the step's own shell: sets {@link STEP_UMASK}, then runs the script (the next
 * argument) as `"$0" -c script`, exactly as the step would have been run. Needs a POSIX shell.
 */
const STEP_START = `umask ${STEP_UMASK} || exit 127; exec "$0" -c "$1"`;

function argvInvocation(inv: SandboxInvocation): SandboxArgvInvocation {
  return { root: inv.root, argv: [inv.shell, '-c', STEP_START, inv.shell, inv.script], env: inv.env, workDir: inv.workDir, uid: inv.uid, gid: inv.gid };
}

/**
 * What a root step keeps of root's capabilities: file ownership and permission work a
 * package build does (chown, chmod of others' files, setuid bits, file capabilities) and
 * switching users. Not kept: mounting, devices (mknod), raw network, ptrace, modules, chroot…
 */
export const ROOT_STEP_CAPABILITIES = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP'] as const;

/** What of /proc changes the host (sysctls, sysrq…): read-only for steps (as in Docker's defaults). */
export const PROC_READ_ONLY = ['sys', 'sysrq-trigger', 'fs', 'irq', 'bus'] as const;
/** Files of /proc that show kernel internals: /dev/null over them. */
export const PROC_MASKED_FILES = ['kcore', 'keys', 'timer_list', 'sched_debug', 'latency_stats', 'timer_stats'] as const;
/** Directories of /proc that show hardware: an empty read-only tmpfs over them. */
export const PROC_MASKED_DIRS = ['acpi', 'scsi', 'asound'] as const;

/** Those of `names` this kernel's /proc has. */
function inProc(names: readonly string[]): string[] {
  return names.filter((n) => existsSync(`/proc/${n}`));
}

/** The file systems every step gets, and the step itself, for bubblewrap. */
function bwrapTail(inv: SandboxArgvInvocation): string[] {
  return [
    '--die-with-parent',
    '--new-session',
    inv.readOnlyRoot === true ? '--ro-bind' : '--bind', inv.root, '/',
    '--proc', '/proc',
    ...inProc(PROC_READ_ONLY).flatMap((n) => ['--ro-bind', `/proc/${n}`, `/proc/${n}`]),
    ...inProc(PROC_MASKED_FILES).flatMap((n) => ['--ro-bind', '/dev/null', `/proc/${n}`]),
    ...inProc(PROC_MASKED_DIRS).flatMap((n) => ['--tmpfs', `/proc/${n}`, '--remount-ro', `/proc/${n}`]),
    '--dev', '/dev',
    '--perms', '1777', '--tmpfs', '/tmp',
    '--hostname', STEP_HOSTNAME,
    '--clearenv',
    ...Object.entries(inv.env).flatMap(([k, v]) => ['--setenv', k, v]),
    '--chdir', inv.workDir,
    '--',
    ...inv.argv,
  ];
}

/**
 * The bubblewrap command line of a step. Always: no network, IPC, UTS or PID sharing, only
 * the build root (read-write at `/`), a fresh /proc ({@link PROC_READ_ONLY} read-only, the
 * masked parts hidden: bubblewrap itself leaves /proc/sys writable to a real-root step), a
 * minimal /dev and an empty /tmp.
 *
 * - Running as root, a root step (uid 0, gid 0) gets no user namespace (one would map only
 *   uid 0, so `chown` to any other owner would fail) and keeps just
 *   {@link ROOT_STEP_CAPABILITIES}; bubblewrap sets no_new_privs.
 * - Running as root, a step with another uid or gid starts bubblewrap itself as that
 *   user: bubblewrap then runs unprivileged in a user namespace mapping only that uid/gid to
 *   themselves, so what the step writes is really owned by them on disk. `--disable-userns`
 *   keeps the step from making further user namespaces.
 * - Not running as root, every step runs in a user namespace as `--uid`/`--gid`; on disk its
 *   files belong to the current user.
 */
export function bwrapCommand(bwrap: string, inv: SandboxInvocation, asRoot: boolean): StepCommand {
  return bwrapArgvCommand(bwrap, argvInvocation(inv), asRoot);
}

/** {@link bwrapCommand} of a command given as its words; the root read-only with `readOnlyRoot`. */
export function bwrapArgvCommand(bwrap: string, inv: SandboxArgvInvocation, asRoot: boolean): StepCommand {
  if (asRoot && inv.uid === 0 && inv.gid === 0) {
    const caps = ROOT_STEP_CAPABILITIES.flatMap((c) => ['--cap-add', c]);
    return { file: bwrap, args: ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try', '--cap-drop', 'ALL', ...caps, ...bwrapTail(inv)], env: {} };
  }
  const userns = ['--unshare-all', '--unshare-user', '--disable-userns'];
  if (asRoot) return { file: bwrap, args: [...userns, ...bwrapTail(inv)], env: {}, uid: inv.uid, gid: inv.gid };
  return { file: bwrap, args: [...userns, '--uid', String(inv.uid), '--gid', String(inv.gid), ...bwrapTail(inv)], env: {} };
}

/**
 * Runs in the new namespaces before the step, as root, with the host still visible: with
 * `readOnlyRoot` the root bound read-only onto itself, a fresh
 * /proc ({@link PROC_READ_ONLY} read-only, the masked parts hidden), a tmpfs /dev holding only the harmless host devices, a tmpfs /tmp, then `exec "$@"`.
 * Its arguments are paths (`$1` mount, `$2` ln, `$3` the root), never interpolated.
 */
function chrootSetup(readOnlyRoot: boolean): string {
  return [
    'set -eu',
    'mount=$1 ln=$2 root=$3',
    'shift 3',
    // The new UTS namespace's host name (the host's own stays as it is).
    `printf %s ${STEP_HOSTNAME} > /proc/sys/kernel/hostname`,
    ...(readOnlyRoot ? ['"$mount" --bind "$root" "$root"', '"$mount" -o remount,bind,ro "$root"'] : []),
    '"$mount" -t proc -o nosuid,nodev,noexec proc "$root/proc"',
    `for p in ${PROC_READ_ONLY.join(' ')}; do if [ -e "$root/proc/$p" ]; then "$mount" --bind "$root/proc/$p" "$root/proc/$p"; "$mount" -o remount,bind,ro "$root/proc/$p"; fi; done`,
    `for p in ${PROC_MASKED_FILES.join(' ')}; do if [ -e "$root/proc/$p" ]; then "$mount" --bind /dev/null "$root/proc/$p"; fi; done`,
    `for p in ${PROC_MASKED_DIRS.join(' ')}; do if [ -d "$root/proc/$p" ]; then "$mount" -t tmpfs -o ro,nosuid,nodev,noexec,size=4k pf-masked "$root/proc/$p"; fi; done`,
    '"$mount" -t tmpfs -o nosuid,noexec,mode=0755,size=1m pf-dev "$root/dev"',
    'for d in null zero full random urandom tty; do : > "$root/dev/$d"; "$mount" --bind "/dev/$d" "$root/dev/$d"; done',
    '"$ln" -s /proc/self/fd "$root/dev/fd"',
    '"$ln" -s /proc/self/fd/0 "$root/dev/stdin"',
    '"$ln" -s /proc/self/fd/1 "$root/dev/stdout"',
    '"$ln" -s /proc/self/fd/2 "$root/dev/stderr"',
    '"$mount" -t tmpfs -o nosuid,nodev,mode=1777 pf-tmp "$root/tmp"',
    'exec "$@"',
  ].join('\n');
}

/**
 * Runs first in the step's own shell inside the root: exports the `NAME=value` arguments up to
 * `--` (so no host program ever sees the step's environment), then runs the script, the next
 * argument, as `"$0" -c script` with {@link STEP_UMASK}. Needs a POSIX shell.
 */
const CHROOT_ENV = `while [ "$1" != -- ]; do export "$1" || exit 127; shift; done; shift; umask ${STEP_UMASK} || exit 127; exec "$0" -c "$1"`;
/** {@link CHROOT_ENV} for a command given as its words: exports, then execs the rest. */
const CHROOT_ENV_ARGV = 'while [ "$1" != -- ]; do export "$1" || exit 127; shift; done; shift; exec "$@"';

/**
 * The fallback command line of a step when bubblewrap is missing (root only):
 * `unshare --net --pid --fork --mount --ipc --uts` (private mount propagation, the child killed
 * with unshare) runs {@link chrootSetup}, then, with an empty environment,
 * `setpriv --no-new-privs --bounding-set …` (setuid files gain nothing; the bounding set is
 * {@link ROOT_STEP_CAPABILITIES} plus CAP_SYS_CHROOT) and `unshare --root --wd --setgid --setuid`
 * (the chroot, the working directory, supplementary groups dropped: `chroot(1)` cannot set a
 * working directory), then {@link CHROOT_ENV} in the step's shell.
 *
 * Weaker than bubblewrap: a root step keeps CAP_SYS_CHROOT and can break out of a chroot.
 */
export function chrootCommand(tools: ChrootTools, inv: SandboxInvocation): StepCommand {
  return chrootRun(tools, argvInvocation(inv), [inv.shell, '-c', CHROOT_ENV, inv.shell], [inv.script]);
}

/**
 * {@link chrootCommand} of a command given as its words (the root read-only with
 * `readOnlyRoot`): `shell`, a POSIX shell inside the root, sets the environment and execs argv,
 * so the command's environment never reaches a host program (LD_PRELOAD…).
 */
export function chrootArgvCommand(tools: ChrootTools, inv: SandboxArgvInvocation, shell: string): StepCommand {
  return chrootRun(tools, inv, [shell, '-c', CHROOT_ENV_ARGV, shell], inv.argv);
}

function chrootRun(tools: ChrootTools, inv: SandboxArgvInvocation, envStart: string[], command: string[]): StepCommand {
  const bounding = ['-all', ...[...ROOT_STEP_CAPABILITIES, 'CAP_SYS_CHROOT'].map((c) => `+${c.slice(4).toLowerCase()}`)].join(',');
  const envPairs = Object.entries(inv.env).map(([k, v]) => `${k}=${v}`);
  return {
    file: tools.unshare,
    args: [
      '--net', '--pid', '--fork', '--kill-child', '--mount', '--ipc', '--uts', '--propagation', 'private', '--',
      tools.sh, '-c', chrootSetup(inv.readOnlyRoot === true), 'pf-sandbox', tools.mount, tools.ln, inv.root,
      tools.env, '-i',
      tools.setpriv, '--no-new-privs', '--bounding-set', bounding, '--',
      tools.unshare, `--root=${inv.root}`, `--wd=${inv.workDir}`, '--setgid', String(inv.gid), '--setuid', String(inv.uid), '--',
      ...envStart, ...envPairs, '--', ...command,
    ],
    env: {},
  };
}
