import { ErrorCode, RetryableError } from '@patch-factory/contracts';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { shown, shownPath } from '../builder-errors';
import { RootFsErrorCode, rootfsTerminal } from '../rootfs/rootfs-errors';
import { findChrootTools, findHostTool } from './host-tools';
import { ensureDirInRoot, ensureMountPoint, resolveInRoot } from './root-resolve';
import { bwrapCommand, chrootCommand, type SandboxInvocation } from './sandbox-command';
import { SandboxErrorCode, sandboxTerminal } from './sandbox-errors';
import { probeSandbox } from './sandbox-probe';
import { lastLines, runStepProcess, type StepCommand } from './step-process';

/** How build steps are isolated: bubblewrap, or (root only) unshare + pivot_root + capsh's chroot. */
export type SandboxKind = 'bwrap' | 'chroot';

/** One shell step to run inside a materialized build root. */
export interface SandboxStep {
  /** Names the step in messages, as is: `build step "compile"`, `contents.builds[0].pipeline[1] "compile"`. */
  name: string;
  /** Passed to the shell as `<shell> -c <script>`. */
  script: string;
  /**
   * The shell as definitions write it: an absolute path inside the root or a program name found
   * in the step's PATH, then its own words (`/bin/busybox sh`, `bash`); default `/bin/sh`.
   */
  shell?: string;
  /** The step's environment; `PATH` defaults to {@link DEFAULT_STEP_PATH}. Nothing else is passed in. */
  env: Record<string, string>;
  /** Absolute path inside the root, created (owned by the step's user) when missing; default `/`. */
  workDir?: string;
  /** Default 0. */
  uid?: number;
  /** Default: `uid`. */
  gid?: number;
}

export interface SandboxRunOptions {
  kind: SandboxKind;
  /** Default 30 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The step's output (stdout and stderr as they come). */
  onOutput?: (chunk: string) => void;
  /** At most this many bytes go to `onOutput` (default 16 MiB); the rest is cut. */
  maxLogBytes?: number;
}

export const DEFAULT_STEP_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60 * 1000;
const DEFAULT_MAX_LOG_BYTES = 16 * 1024 * 1024;
const TAIL_LINES = 20;
const MAX_ID = 0xffff_fffe;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

let detected: Promise<SandboxKind> | undefined;

/**
 * The sandbox this host can run steps in, probed once per process: `bwrap` when bubblewrap is
 * on the PATH and a trivial sandbox with the flags steps use starts; else `chroot` when running
 * as root with util-linux `unshare` (and `mount`, `pivot_root`, libcap2-bin's `capsh`: see
 * {@link findChrootTools}) whose namespaces work. Throws
 * `build-sandbox-unavailable` naming both options otherwise.
 */
export function detectSandbox(): Promise<SandboxKind> {
  detected ??= detect().catch((error: unknown) => {
    detected = undefined;
    throw error;
  });
  return detected;
}

async function detect(): Promise<SandboxKind> {
  const asRoot = process.getuid?.() === 0;
  const bwrap = await findHostTool('bwrap');
  const bwrapProblem =
    bwrap === undefined ? 'bwrap is not on the PATH' : await probeSandbox({ kind: 'bwrap', bwrap, asRoot });
  if (bwrapProblem === undefined) return 'bwrap';
  let chrootProblem: string | undefined;
  if (!asRoot) chrootProblem = 'the chroot fallback needs root';
  else {
    const { tools, missing } = await findChrootTools();
    chrootProblem =
      tools === undefined ? `${missing.join(', ')} not found` : await probeSandbox({ kind: 'chroot', tools, asRoot });
    if (chrootProblem === undefined) return 'chroot';
  }
  throw sandboxTerminal(
    SandboxErrorCode.sandboxUnavailable,
    `no build sandbox on this host: bubblewrap (${bwrapProblem}) and unshare + chroot as root (${chrootProblem}); install bubblewrap (apt-get install bubblewrap) or run the builder as root with util-linux and libcap2-bin`,
  );
}

/**
 * Runs one shell step inside the materialized build root `root` (see {@link bwrapCommand} and
 * {@link chrootCommand} for the isolation): no network, nothing of the host visible, only the
 * step's environment, as `uid:gid`. Throws `build-step-failed` (exit code and the last 20
 * lines of output; also for a shell missing from the root), `build-step-timeout`,
 * `build-step-unsupported` for a malformed step, and a retryable `shutdown` when `signal`
 * aborts it.
 */
export async function runSandboxStep(root: string, step: SandboxStep, opts: SandboxRunOptions): Promise<void> {
  const what = shown(step.name, 200);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw sandboxTerminal(
      SandboxErrorCode.stepUnsupported,
      `${what}: the time limit ${String(timeoutMs)} ms is not a positive whole number`,
    );
  const inv = await prepareInvocation(root, step, what);
  const asRoot = process.getuid?.() === 0;
  if (opts.kind === 'bwrap' && asRoot && (inv.uid !== 0 || inv.gid !== 0)) await checkReachable(root, inv, what);
  const command = await sandboxCommand(opts.kind, inv, asRoot);
  let result;
  try {
    result = await runStepProcess(command, {
      timeoutMs,
      maxLogBytes: opts.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(opts.onOutput === undefined ? {} : { onOutput: opts.onOutput }),
    });
  } catch (error) {
    throw sandboxTerminal(
      SandboxErrorCode.sandboxUnavailable,
      `${what}: the sandbox (${opts.kind}) could not be started: ${shown((error as Error).message, 200)}`,
      error,
    );
  }
  const { outcome } = result;
  const output = outputTail(result.tail);
  switch (outcome.kind) {
    case 'exited':
      if (outcome.code === 0) return;
      throw sandboxTerminal(SandboxErrorCode.stepFailed, `${what} failed with exit code ${outcome.code}${output}`);
    case 'signaled':
      throw sandboxTerminal(SandboxErrorCode.stepFailed, `${what} was killed by ${outcome.signal}${output}`);
    case 'timeout':
      throw sandboxTerminal(
        SandboxErrorCode.stepTimeout,
        `${what} ran longer than ${formatDuration(timeoutMs)} and was killed; make it faster or raise the limit${output}`,
      );
    case 'aborted':
      throw new RetryableError(ErrorCode.shutdown, `${what} was stopped: the build was cancelled`);
  }
}

/** Checks the step and prepares the root: mount points, shell, working directory. */
async function prepareInvocation(root: string, step: SandboxStep, what: string): Promise<SandboxInvocation> {
  const unsupported = (why: string) =>
    sandboxTerminal(SandboxErrorCode.stepUnsupported, `${what}: ${why}; fix the definition`);
  const uid = step.uid ?? 0;
  const gid = step.gid ?? uid;
  for (const [name, id] of [
    ['uid', uid],
    ['gid', gid],
  ] as const) {
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID)
      throw unsupported(`${name} ${String(id)} is not an id between 0 and ${MAX_ID}`);
  }
  if (typeof step.script !== 'string' || step.script.includes('\u0000'))
    throw unsupported('the script is not a text without NUL characters');
  const env: Record<string, string> = { PATH: DEFAULT_STEP_PATH };
  for (const [name, value] of Object.entries(step.env)) {
    if (!ENV_NAME.test(name)) throw unsupported(`environment name "${shown(name, 60)}" is not a variable name`);
    if (typeof value !== 'string' || value.includes('\u0000'))
      throw unsupported(`environment variable ${name} is not a text without NUL characters`);
    env[name] = value;
  }
  const unsafe = (why: string) => rootfsTerminal(RootFsErrorCode.unsafePath, `${what}: ${why}`);
  await ensureMountPoint(root, 'proc', 0o555, unsafe);
  await ensureMountPoint(root, 'dev', 0o755, unsafe);
  await ensureMountPoint(root, 'tmp', 0o1777, unsafe);

  const { shell, shellArgs } = await findShell(root, step.shell ?? '/bin/sh', env['PATH'] ?? DEFAULT_STEP_PATH, what);

  const workDir = step.workDir ?? '/';
  if (!isAbsolute(workDir) || workDir.split('/').includes('..'))
    throw unsupported(`work-dir "${shownPath(workDir)}" is not an absolute path without ".."`);
  const dir = await ensureDirInRoot(root, workDir, { uid, gid }, (why) =>
    rootfsTerminal(RootFsErrorCode.unsafePath, `${what}: work-dir "${shownPath(workDir)}" cannot be used: ${why}`),
  );
  return {
    root,
    shell,
    ...(shellArgs.length > 0 ? { shellArgs } : {}),
    script: step.script,
    env,
    workDir: `/${dir === '.' ? '' : dir}`,
    uid,
    gid,
  };
}

/** A word of a step's `shell`: a program path or name, or one of its options (no quoting, no shell syntax). */
const SHELL_WORD = /^[A-Za-z0-9_./+=:,@%-]+$/;

/**
 * A step's `shell` as the real catalog writes it: an absolute path (`/bin/bash`), a program
 * name looked up in the step's PATH inside the root (`bash`), either followed by its own words
 * (`/bin/busybox sh`). The program must be an executable file of the root (after symlinks,
 * which stay inside it). Throws `build-step-unsupported` for a malformed shell and
 * `build-step-failed` for one the root does not have.
 */
async function findShell(
  root: string,
  raw: string,
  path: string,
  what: string,
): Promise<{ shell: string; shellArgs: string[] }> {
  const words = raw.trim().split(/[ \t]+/);
  const [program = '', ...shellArgs] = words;
  const noShell = (why: string) =>
    sandboxTerminal(
      SandboxErrorCode.stepFailed,
      `${what} cannot run: its shell "${shownPath(raw)}" ${why}; install a package that provides it or set "shell"`,
    );
  if (program === '' || !words.every((w) => SHELL_WORD.test(w)) || program.startsWith('-')) {
    throw sandboxTerminal(
      SandboxErrorCode.stepUnsupported,
      `${what}: shell "${shownPath(raw)}" is not a program and its plain words (letters, digits and _ . / + = : , @ % -); fix the definition`,
    );
  }
  if (program.includes('/') && (!isAbsolute(program) || program.split('/').includes('..'))) {
    throw sandboxTerminal(
      SandboxErrorCode.stepUnsupported,
      `${what}: shell "${shownPath(raw)}" names its program neither by an absolute path without ".." nor by a bare name; fix the definition`,
    );
  }
  const candidates = program.includes('/')
    ? [program]
    : path
        .split(':')
        .filter((d) => isAbsolute(d) && !d.split('/').includes('..'))
        .map((d) => `${d.replace(/\/+$/, '')}/${program}`);
  for (const candidate of candidates) {
    const found = await resolveInRoot(root, candidate, {
      followFinal: true,
      unsafe: (why) => noShell(`is unusable (${why})`),
    });
    if (found.kind !== 'found') continue;
    if (!found.stat.isFile() || (found.stat.mode & 0o111) === 0) {
      if (program.includes('/')) throw noShell('is not an executable file in the build root');
      continue;
    }
    return { shell: candidate, shellArgs };
  }
  throw noShell(
    program.includes('/')
      ? 'is not in the build root'
      : `is not in the build root (looked in PATH: ${shown(path, 200)})`,
  );
}

/**
 * Under bubblewrap a step as another user starts bubblewrap as that user, who must be able
 * to reach the root: every directory above it must be searchable by them (by mode bits).
 */
async function checkReachable(root: string, inv: SandboxInvocation, what: string): Promise<void> {
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    const s = await stat(dir);
    const bit = s.uid === inv.uid ? 0o100 : s.gid === inv.gid ? 0o010 : 0o001;
    if ((s.mode & bit) === 0) {
      throw sandboxTerminal(
        SandboxErrorCode.stepFailed,
        `${what} cannot run as ${inv.uid}:${inv.gid}: the build root lies below "${shownPath(dir)}" (mode ${(s.mode & 0o7777).toString(8).padStart(4, '0')}), which that user cannot enter; build in a directory everyone may traverse (tmpDir)`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}

async function sandboxCommand(kind: SandboxKind, inv: SandboxInvocation, asRoot: boolean): Promise<StepCommand> {
  const unavailable = (why: string) =>
    sandboxTerminal(SandboxErrorCode.sandboxUnavailable, `the ${kind} sandbox is not usable: ${why}`);
  if (kind === 'bwrap') {
    const bwrap = await findHostTool('bwrap');
    if (bwrap === undefined) throw unavailable('bwrap is not on the PATH; install bubblewrap');
    return bwrapCommand(bwrap, inv, asRoot);
  }
  if (!asRoot) throw unavailable('it needs root');
  const { tools, missing } = await findChrootTools();
  if (tools === undefined) throw unavailable(`${missing.join(', ')} not found on the host`);
  return chrootCommand(tools, inv);
}

/** `: last lines` of the output, for a message, or empty. */
function outputTail(tail: string): string {
  const lines = lastLines(tail, TAIL_LINES)
    .split('\n')
    .map((l) => shown(l, 400))
    .join('\n');
  return lines.trim() === '' ? ' (no output)' : `; last output:\n${lines}`;
}

function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
