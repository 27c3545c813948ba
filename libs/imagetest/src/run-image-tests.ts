import { ErrorCode, RetryableError } from '@patch-factory/contracts';
import {
  bwrapArgvCommand,
  chrootArgvCommand,
  detectSandbox,
  findChrootTools,
  findHostTool,
  runStepProcess,
  shown,
  shownPath,
  type SandboxArgvInvocation,
  type SandboxKind,
  type StepCommand,
  type StepProcessResult,
} from '@patch-factory/builder';
import type { ImageTest } from '@patch-factory/definitions';
import { commandArgv } from './command-argv';
import { imageExecutable, lookupInImage } from './image-path';
import { ImageTestErrorCode, imageTestTerminal } from './imagetest-errors';
import { checkReachable, ensureMountPoints, imageEnv, imageUser } from './run-options';

export interface RunImageTestsOptions {
  /** Default: {@link detectSandbox} of libs/builder. */
  kind?: SandboxKind;
  /** The image config's `Env` (`NAME=value`); PATH defaults to the usual one. */
  env?: string[];
  /** The image config's `User` as numbers (see parseConfigUser); default root. */
  user?: { uid: number; gid: number };
  /** The image config's `WorkingDir`: a test without `directory` runs there (default `/`). */
  workDir?: string;
  /** Seconds for a test without `timeout` (default 60). */
  defaultTimeoutS?: number;
  signal?: AbortSignal;
  /** Bind the root read-write, so tests may change it (default read-only, /tmp writable). */
  writable?: boolean;
  /** Called before each test (`done` tests of `total` finished): a long test run reports progress. */
  onTest?: (done: number, total: number, name: string) => void;
}

export interface ImageTestResult {
  /** The test's `name`, else `tests[i]`. */
  name: string;
  status: 'passed' | 'failed';
  durationMs: number;
  /** The test's exit code: that of its first failing command, else of its last (as with `&&`). */
  exitCode?: number;
  timedOut: boolean;
  /** The end of the commands' stdout and stderr, interleaved as they came (at most 4 KiB). */
  output: string;
  /** Why it passed or failed, naming the test. */
  message: string;
}

export const DEFAULT_TEST_TIMEOUT_S = 60;
const MAX_TIMEOUT_S = 24 * 3600;
/** How much output is kept to match `output` against (the end of it). */
const MATCH_CHARS = 1024 * 1024;
const RESULT_CHARS = 4 * 1024;

interface Sandbox {
  command(inv: SandboxArgvInvocation): StepCommand;
}

/**
 * Runs an image definition's `tests[]` in the unpacked image root `rootDir`, one after the other.
 * Each `commands[]` entry runs in the sandbox (no network, nothing but the image visible, the
 * image's user and environment, `directory` — else `workDir` — as working directory): as
 * `/bin/sh -c <command>` when the image has /bin/sh, else split into words (see
 * splitCommandWords; shell syntax then fails the test). The commands behave like `a && b && c`:
 * the first non-zero exit ends the test, and that exit code (else the last one) must equal
 * `exit-code`. `output`, when given, must occur literally (a substring, not a pattern) in the
 * commands' combined stdout and stderr. `timeout` (seconds) bounds the whole test; at the limit
 * the commands are killed and the test fails with `timedOut`.
 *
 * A malformed test fails with a message; a malformed image config (Env, user), an unusable root
 * or sandbox throws a TerminalError (`image-test-*`); abort throws a retryable `shutdown`.
 */
export async function runImageTests(
  rootDir: string,
  tests: readonly ImageTest[],
  opts: RunImageTestsOptions = {},
): Promise<ImageTestResult[]> {
  const env = imageEnv(opts.env);
  const { uid, gid } = imageUser(opts.user);
  const defaultTimeoutS = opts.defaultTimeoutS ?? DEFAULT_TEST_TIMEOUT_S;
  if (!validTimeout(defaultTimeoutS))
    throw imageTestTerminal(
      ImageTestErrorCode.testInvalid,
      `default test timeout ${String(defaultTimeoutS)} s is not a whole number from 1 to ${MAX_TIMEOUT_S}`,
    );
  await ensureMountPoints(rootDir);
  const shell = (await imageExecutable(rootDir, '/bin/sh')) !== undefined;
  const kind = opts.kind ?? (await detectSandbox());
  const asRoot = process.getuid?.() === 0;
  if (kind === 'bwrap' && asRoot && (uid !== 0 || gid !== 0)) await checkReachable(rootDir, uid, gid);
  const sandbox = await makeSandbox(kind, shell, asRoot);
  const results: ImageTestResult[] = [];
  for (const [i, test] of tests.entries()) {
    if (opts.signal?.aborted) throw stopped();
    const named = typeof test.name === 'string' && test.name !== '';
    const name = named ? (test.name ?? '') : `tests[${i}]`;
    const where = named ? `tests[${i}] "${shown(name, 100)}"` : name;
    opts.onTest?.(i, tests.length, name);
    const start = Date.now();
    const result = await runOne(rootDir, test, {
      where,
      env,
      uid,
      gid,
      shell,
      sandbox,
      defaultTimeoutS,
      writable: opts.writable === true,
      workDir: opts.workDir ?? '/',
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    results.push({ name, durationMs: Date.now() - start, ...result });
  }
  return results;
}

interface RunContext {
  where: string;
  env: Record<string, string>;
  uid: number;
  gid: number;
  shell: boolean;
  sandbox: Sandbox;
  defaultTimeoutS: number;
  writable: boolean;
  workDir: string;
  signal?: AbortSignal;
}

type Outcome = Omit<ImageTestResult, 'name' | 'durationMs'>;

async function runOne(root: string, test: ImageTest, ctx: RunContext): Promise<Outcome> {
  const fail = (message: string, extra: Partial<Outcome> = {}): Outcome => ({
    status: 'failed',
    timedOut: false,
    output: '',
    ...extra,
    message: `${ctx.where} ${message}`,
  });
  const expected = test['exit-code'];
  if (!Number.isInteger(expected)) return fail(`has exit-code ${shown(String(expected), 20)}, not a whole number`);
  const timeoutS = test.timeout ?? ctx.defaultTimeoutS;
  if (!validTimeout(timeoutS))
    return fail(`has timeout ${shown(String(timeoutS), 20)}, not a whole number of seconds from 1 to ${MAX_TIMEOUT_S}`);
  const commands = test.commands ?? [];
  if (commands.length === 0) return fail('has no commands');
  const dir = test.directory ?? ctx.workDir;
  if (typeof dir !== 'string' || !dir.startsWith('/') || dir.includes('\u0000'))
    return fail(`has directory "${shownPath(String(dir))}", not an absolute path`);
  const found = await lookupInImage(root, dir);
  if (found.kind !== 'found' || !found.stat.isDirectory())
    return fail(`cannot run: its directory "${shownPath(dir)}" is not a directory in the image`);

  const deadline = Date.now() + timeoutS * 1000;
  let output = '';
  let exitCode = 0;
  for (const [j, command] of commands.entries()) {
    const planned = await commandArgv(root, command, {
      shell: ctx.shell,
      path: ctx.env['PATH'] ?? '',
      workDir: found.path,
    });
    if (!planned.ok)
      return fail(`command ${j + 1} "${shown(String(command), 120)}" cannot run: ${planned.why}`, {
        output: tail(output),
      });
    const inv: SandboxArgvInvocation = {
      root,
      argv: planned.argv,
      env: ctx.env,
      workDir: found.path,
      uid: ctx.uid,
      gid: ctx.gid,
      readOnlyRoot: !ctx.writable,
    };
    let run: StepProcessResult;
    try {
      run = await runStepProcess(ctx.sandbox.command(inv), {
        timeoutMs: Math.max(1, deadline - Date.now()),
        tailChars: MATCH_CHARS,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
    } catch (error) {
      throw imageTestTerminal(
        ImageTestErrorCode.sandboxUnavailable,
        `${ctx.where}: the sandbox could not be started: ${shown((error as Error).message, 200)}`,
        error,
      );
    }
    output = (output + run.tail).slice(-MATCH_CHARS);
    const { outcome } = run;
    if (outcome.kind === 'aborted') throw stopped();
    if (outcome.kind === 'timeout')
      return fail(
        `ran longer than its timeout of ${timeoutS} s and was killed (command ${j + 1} "${shown(command, 120)}")`,
        { timedOut: true, output: tail(output) },
      );
    if (outcome.kind === 'signaled')
      return fail(`command ${j + 1} "${shown(command, 120)}" was killed by ${outcome.signal}`, {
        output: tail(output),
      });
    exitCode = outcome.code;
    if (exitCode !== 0) break;
  }
  const base = { timedOut: false, exitCode, output: tail(output) };
  if (exitCode !== expected) return fail(`exited with ${exitCode}, expected ${expected}${lastLine(output)}`, base);
  if (test.output !== undefined && !output.includes(test.output))
    return fail(
      `exited with ${exitCode} as expected, but its output lacks "${shown(test.output, 120)}"${lastLine(output)}`,
      base,
    );
  return {
    status: 'passed',
    ...base,
    message: `${ctx.where} exited with ${exitCode} as expected${test.output === undefined ? '' : ` and printed "${shown(test.output, 120)}"`}`,
  };
}

async function makeSandbox(kind: SandboxKind, shell: boolean, asRoot: boolean): Promise<Sandbox> {
  const unavailable = (why: string) =>
    imageTestTerminal(ImageTestErrorCode.sandboxUnavailable, `the ${kind} sandbox is not usable: ${why}`);
  if (kind === 'bwrap') {
    const bwrap = await findHostTool('bwrap');
    if (bwrap === undefined) throw unavailable('bwrap is not on the PATH; install bubblewrap');
    return { command: (inv) => bwrapArgvCommand(bwrap, inv, asRoot) };
  }
  if (!asRoot) throw unavailable('it needs root');
  if (!shell)
    throw imageTestTerminal(
      ImageTestErrorCode.sandboxUnsupported,
      'the chroot sandbox needs /bin/sh in the image to set its environment without a host program seeing it; use bubblewrap for images without a shell',
    );
  const { tools, missing } = await findChrootTools();
  if (tools === undefined) throw unavailable(`${missing.join(', ')} not found on the host`);
  return { command: (inv) => chrootArgvCommand(tools, inv, '/bin/sh') };
}

function validTimeout(s: unknown): s is number {
  return typeof s === 'number' && Number.isInteger(s) && s >= 1 && s <= MAX_TIMEOUT_S;
}

function tail(output: string): string {
  return output.length > RESULT_CHARS ? output.slice(-RESULT_CHARS) : output;
}

function lastLine(output: string): string {
  const line = output.trimEnd().split('\n').pop() ?? '';
  return line === '' ? ' (no output)' : `; last output: ${shown(line, 200)}`;
}

function stopped(): RetryableError {
  return new RetryableError(ErrorCode.shutdown, 'image tests were stopped: cancelled');
}
