import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

/** A process to start: the sandbox command line and what it runs with. */
export interface StepCommand {
  file: string;
  args: string[];
  /** The whole environment of the started host process. */
  env: Record<string, string>;
  /** Start the host process as this user and group (running as root). */
  uid?: number;
  gid?: number;
}

export interface StepProcessOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Output (stdout and stderr, as they come), up to `maxLogBytes` bytes. */
  onOutput?: (chunk: string) => void;
  /** Required with `onOutput`. */
  maxLogBytes?: number;
  /** How much of the output's end `tail` keeps (default 64 KiB). */
  tailChars?: number;
}

/** How the process ended. */
export type StepOutcome =
  { kind: 'exited'; code: number } | { kind: 'signaled'; signal: string } | { kind: 'timeout' } | { kind: 'aborted' };

export interface StepProcessResult {
  outcome: StepOutcome;
  /** The end of the output (at most `tailChars`, default 64 KiB). */
  tail: string;
}

const TAIL_CHARS = 64 * 1024;
/** After a kill, how long to wait for the output pipes to close before closing them ourselves. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Runs a sandbox command in its own process group, stdin from /dev/null, stdout and stderr
 * piped to `onOutput`. On timeout or abort the whole group is killed (SIGKILL). Rejects only
 * when the process cannot be started at all (e.g. the sandbox tool is gone).
 */
export function runStepProcess(cmd: StepCommand, opts: StepProcessOptions): Promise<StepProcessResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      resolve({ outcome: { kind: 'aborted' }, tail: '' });
      return;
    }
    const child = spawn(cmd.file, cmd.args, {
      env: cmd.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(cmd.uid === undefined ? {} : { uid: cmd.uid }),
      ...(cmd.gid === undefined ? {} : { gid: cmd.gid }),
    });
    const tailChars = opts.tailChars ?? TAIL_CHARS;
    const maxLogBytes = opts.maxLogBytes ?? 0;
    let tail = '';
    let forwarded = 0;
    let truncated = false;
    let stopped: 'timeout' | 'aborted' | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    const emit = (text: string, bytes: number) => {
      if (text === '') return;
      tail += text;
      if (tail.length > tailChars * 2) tail = tail.slice(-tailChars);
      if (opts.onOutput === undefined || truncated) return;
      if (forwarded + bytes > maxLogBytes) {
        truncated = true;
        opts.onOutput(`\n[output cut after ${maxLogBytes} bytes]\n`);
        return;
      }
      forwarded += bytes;
      opts.onOutput(text);
    };
    for (const stream of [child.stdout, child.stderr]) {
      const decoder = new StringDecoder('utf8');
      stream.on('data', (chunk: Buffer) => emit(decoder.write(chunk), chunk.length));
      stream.on('end', () => emit(decoder.end(), 0));
    }

    const kill = (why: 'timeout' | 'aborted') => {
      if (stopped !== undefined) return;
      stopped = why;
      killGroup(child.pid);
      graceTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, CLOSE_GRACE_MS);
    };
    const timer = setTimeout(() => kill('timeout'), opts.timeoutMs);
    const onAbort = () => kill('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
    };

    child.once('error', (error) => {
      cleanup();
      reject(error);
    });
    child.once('close', (code, signal) => {
      cleanup();
      tail = tail.slice(-tailChars);
      if (stopped !== undefined) resolve({ outcome: { kind: stopped }, tail });
      else if (code !== null) resolve({ outcome: { kind: 'exited', code }, tail });
      else resolve({ outcome: { kind: 'signaled', signal: signal ?? 'unknown' }, tail });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

/** The last `n` lines of `text` (a trailing newline does not count as an empty line). */
export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.slice(-n).join('\n');
}
