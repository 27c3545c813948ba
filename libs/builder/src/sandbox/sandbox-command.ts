import { existsSync, readFileSync } from 'node:fs';
import type { ChrootTools } from './host-tools';
import type { StepCommand } from './step-process';

/** One step as the sandbox runs it: every path is inside the build root. */
export interface SandboxInvocation {
  /** The materialized build root on the host. */
  root: string;
  /** Absolute path of the shell inside the root. */
  shell: string;
  /** Words the shell takes before `-c` (`sh` of `/bin/busybox sh`); default none. */
  shellArgs?: readonly string[];
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
 * Runs first in the step's own shell: sets {@link STEP_UMASK}, then execs its arguments: the
 * shell's own words, `-c` and the script, exactly as the step would have been run. Needs a POSIX shell.
 */
const STEP_START = `umask ${STEP_UMASK} || exit 127; exec "$@"`;

/** The step's shell as its words: the program, then its own arguments (`/bin/busybox sh`). */
function shellWords(inv: SandboxInvocation): string[] {
  return [inv.shell, ...(inv.shellArgs ?? [])];
}

function argvInvocation(inv: SandboxInvocation): SandboxArgvInvocation {
  const words = shellWords(inv);
  return {
    root: inv.root,
    argv: [...words, '-c', STEP_START, inv.shell, ...words, '-c', inv.script],
    env: inv.env,
    workDir: inv.workDir,
    uid: inv.uid,
    gid: inv.gid,
  };
}

/**
 * What a root step keeps of root's capabilities: file ownership and permission work a
 * package build does (chown, chmod of others' files, setuid bits, file capabilities) and
 * switching users. Not kept: mounting, devices (mknod), raw network, ptrace, modules, chroot…
 */
export const ROOT_STEP_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
] as const;

/** What of /proc changes the host (sysctls, sysrq…): read-only for steps (as in Docker's defaults). */
export const PROC_READ_ONLY = ['sys', 'sysrq-trigger', 'fs', 'irq', 'bus'] as const;
/** Files of /proc that show kernel internals: /dev/null over them. */
export const PROC_MASKED_FILES = [
  'kcore',
  'keys',
  'timer_list',
  'sched_debug',
  'latency_stats',
  'timer_stats',
] as const;
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
    inv.readOnlyRoot === true ? '--ro-bind' : '--bind',
    inv.root,
    '/',
    '--proc',
    '/proc',
    ...inProc(PROC_READ_ONLY).flatMap((n) => ['--ro-bind', `/proc/${n}`, `/proc/${n}`]),
    ...inProc(PROC_MASKED_FILES).flatMap((n) => ['--ro-bind', '/dev/null', `/proc/${n}`]),
    ...inProc(PROC_MASKED_DIRS).flatMap((n) => ['--tmpfs', `/proc/${n}`, '--remount-ro', `/proc/${n}`]),
    '--dev',
    '/dev',
    '--perms',
    '1777',
    '--tmpfs',
    '/tmp',
    '--hostname',
    STEP_HOSTNAME,
    '--clearenv',
    ...Object.entries(inv.env).flatMap(([k, v]) => ['--setenv', k, v]),
    '--chdir',
    inv.workDir,
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
    return {
      file: bwrap,
      args: [
        '--unshare-ipc',
        '--unshare-pid',
        '--unshare-net',
        '--unshare-uts',
        '--unshare-cgroup-try',
        '--cap-drop',
        'ALL',
        ...caps,
        ...bwrapTail(inv),
      ],
      env: {},
    };
  }
  const userns = ['--unshare-all', '--unshare-user', '--disable-userns'];
  if (asRoot) return { file: bwrap, args: [...userns, ...bwrapTail(inv)], env: {}, uid: inv.uid, gid: inv.gid };
  return {
    file: bwrap,
    args: [...userns, '--uid', String(inv.uid), '--gid', String(inv.gid), ...bwrapTail(inv)],
    env: {},
  };
}

/** The host's system directories the chroot fallback keeps, read-only, in the tree it pivots into: its last tool (capsh) runs from there. */
export const CHROOT_SYSTEM_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'] as const;

/** Where the build root is in the chroot fallback's mount tree (the step is chrooted into it). */
const JAIL_ROOT = '/r';

/**
 * Runs in the new namespaces before the step, as root, with the host still visible. Builds the
 * step's whole mount tree, "the jail": an empty tmpfs (mounted on the root's /tmp mount point
 * while it is being built) holding the host's {@link CHROOT_SYSTEM_DIRS} read-only, and the
 * build root at {@link JAIL_ROOT} (read-only with `readOnlyRoot`) with a fresh /proc
 * ({@link PROC_READ_ONLY} read-only, the masked parts hidden), a tmpfs /dev holding only the
 * harmless host devices and a tmpfs /tmp. Then `pivot_root`s into the jail and detaches the
 * host's tree: nothing of the host but those read-only system directories is left in the
 * namespace, and the step (chrooted into the build root, without CAP_SYS_CHROOT) cannot reach
 * even them. Then `cd` into the build root and `exec "$@"`.
 * Its arguments are paths (`$1` mount … `$6` the root), never interpolated.
 */
function chrootSetup(readOnlyRoot: boolean): string {
  return [
    'set -eu',
    'mount=$1 umount=$2 mkdir=$3 ln=$4 pivot_root=$5 root=$6',
    'shift 6',
    // The new UTS namespace's host name (the host's own stays as it is).
    `printf %s ${STEP_HOSTNAME} > /proc/sys/kernel/hostname`,
    'jail=$root/tmp',
    '"$mount" -t tmpfs -o nosuid,nodev,mode=0755,size=1m pf-jail "$jail"',
    `for d in ${CHROOT_SYSTEM_DIRS.join(' ')}; do if [ -d "/$d" ]; then "$mkdir" "$jail/$d"; "$mount" --bind "/$d" "$jail/$d"; "$mount" -o remount,bind,ro,nosuid,nodev "$jail/$d"; fi; done`,
    `"$mkdir" "$jail/proc" "$jail${JAIL_ROOT}" "$jail/.pf-host"`,
    // Not recursive: the mounts below the root on the host (the jail itself among them) stay out.
    `"$mount" --bind "$root" "$jail${JAIL_ROOT}"`,
    ...(readOnlyRoot ? [`"$mount" -o remount,bind,ro "$jail${JAIL_ROOT}"`] : []),
    `r=$jail${JAIL_ROOT}`,
    '"$mount" -t proc -o nosuid,nodev,noexec proc "$r/proc"',
    `for p in ${PROC_READ_ONLY.join(' ')}; do if [ -e "$r/proc/$p" ]; then "$mount" --bind "$r/proc/$p" "$r/proc/$p"; "$mount" -o remount,bind,ro "$r/proc/$p"; fi; done`,
    `for p in ${PROC_MASKED_FILES.join(' ')}; do if [ -e "$r/proc/$p" ]; then "$mount" --bind /dev/null "$r/proc/$p"; fi; done`,
    `for p in ${PROC_MASKED_DIRS.join(' ')}; do if [ -d "$r/proc/$p" ]; then "$mount" -t tmpfs -o ro,nosuid,nodev,noexec,size=4k pf-masked "$r/proc/$p"; fi; done`,
    '"$mount" -t tmpfs -o nosuid,noexec,mode=0755,size=1m pf-dev "$r/dev"',
    'for d in null zero full random urandom tty; do : > "$r/dev/$d"; "$mount" --bind "/dev/$d" "$r/dev/$d"; done',
    '"$ln" -s /proc/self/fd "$r/dev/fd"',
    '"$ln" -s /proc/self/fd/0 "$r/dev/stdin"',
    '"$ln" -s /proc/self/fd/1 "$r/dev/stdout"',
    '"$ln" -s /proc/self/fd/2 "$r/dev/stderr"',
    '"$mount" -t tmpfs -o nosuid,nodev,mode=1777 pf-tmp "$r/tmp"',
    // umount reads the mount table from /proc: the jail has the step's own for that moment.
    '"$mount" --bind "$r/proc" "$jail/proc"',
    'cd "$jail"',
    '"$pivot_root" . .pf-host',
    'cd /',
    '"$umount" -l /.pf-host',
    '"$umount" -l /proc',
    `cd ${JAIL_ROOT}`,
    'exec "$@"',
  ].join('\n');
}

/**
 * Runs first in a shell inside the root: goes to the working directory (the first argument),
 * exports the `NAME=value` arguments up to `--` (so no host program ever sees the step's
 * environment), then execs the rest (for a step: its shell's words, `-c`, the step's start and
 * script, see argvInvocation). Needs a POSIX shell.
 */
const CHROOT_ENV_ARGV =
  'cd "$1" || exit 127; shift; while [ "$1" != -- ]; do export "$1" || exit 127; shift; done; shift; exec "$@"';

/** The numbers of {@link ROOT_STEP_CAPABILITIES} (linux/capability.h). */
const ROOT_STEP_CAPABILITY_NUMBERS: Record<(typeof ROOT_STEP_CAPABILITIES)[number], number> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETFCAP: 31,
};

let lastCapability: number | undefined;

/** The highest capability number this kernel knows (40 when /proc does not say). */
function kernelLastCapability(): number {
  if (lastCapability === undefined) {
    try {
      const n = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
      lastCapability = Number.isInteger(n) && n >= 31 && n < 64 ? n : 40;
    } catch {
      lastCapability = 40;
    }
  }
  return lastCapability;
}

/** capsh's `--drop` list: every capability but {@link ROOT_STEP_CAPABILITIES} for a root step, all for another user. */
function droppedCapabilities(rootStep: boolean): string {
  if (!rootStep) return 'all';
  const keep = new Set<number>(Object.values(ROOT_STEP_CAPABILITY_NUMBERS));
  const drop: number[] = [];
  for (let n = 0; n <= kernelLastCapability(); n++) if (!keep.has(n)) drop.push(n);
  return drop.join(',');
}

/**
 * The fallback command line of a step when bubblewrap is missing (root only):
 * `unshare --net --pid --fork --mount --ipc --uts` (private mount propagation, the child killed
 * with unshare) runs {@link chrootSetup}, which leaves nothing of the host's mounts, then, with
 * an empty environment, `capsh`: chroot into the build root, the capability bounding set cut
 * (a root step keeps only {@link ROOT_STEP_CAPABILITIES}, as under bubblewrap; a step as
 * another user keeps none, and has none), no inheritable or ambient capabilities, the group, no
 * supplementary groups, the user, no_new_privs (setuid files and file capabilities gain
 * nothing); then {@link CHROOT_ENV_ARGV} in the step's shell. CAP_SYS_CHROOT and CAP_SYS_ADMIN are
 * gone before the step starts: it can neither chroot out nor mount.
 */
export function chrootCommand(tools: ChrootTools, inv: SandboxInvocation): StepCommand {
  const step = argvInvocation(inv);
  return chrootRun(tools, step, inv.shell, [...(inv.shellArgs ?? []), '-c', CHROOT_ENV_ARGV, inv.shell], step.argv);
}

/**
 * {@link chrootCommand} of a command given as its words (the root read-only with
 * `readOnlyRoot`): `shell`, a POSIX shell inside the root, sets the environment and execs argv,
 * so the command's environment never reaches a host program (LD_PRELOAD…).
 */
export function chrootArgvCommand(tools: ChrootTools, inv: SandboxArgvInvocation, shell: string): StepCommand {
  return chrootRun(tools, inv, shell, ['-c', CHROOT_ENV_ARGV, shell], inv.argv);
}

function chrootRun(
  tools: ChrootTools,
  inv: SandboxArgvInvocation,
  shell: string,
  envStart: string[],
  command: string[],
): StepCommand {
  const envPairs = Object.entries(inv.env).map(([k, v]) => `${k}=${v}`);
  const rootStep = inv.uid === 0 && inv.gid === 0;
  return {
    file: tools.unshare,
    args: [
      '--net',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount',
      '--ipc',
      '--uts',
      '--propagation',
      'private',
      '--',
      tools.sh,
      '-c',
      chrootSetup(inv.readOnlyRoot === true),
      'pf-sandbox',
      tools.mount,
      tools.umount,
      tools.mkdir,
      tools.ln,
      tools.pivotRoot,
      inv.root,
      tools.env,
      '-i',
      tools.capsh,
      `--chroot=${JAIL_ROOT}`,
      `--drop=${droppedCapabilities(rootStep)}`,
      '--inh=',
      '--noamb',
      `--gid=${inv.gid}`,
      '--groups=',
      `--uid=${inv.uid}`,
      '--no-new-privs',
      `--shell=${shell}`,
      '--',
      ...envStart,
      inv.workDir,
      ...envPairs,
      '--',
      ...command,
    ],
    env: {},
  };
}
