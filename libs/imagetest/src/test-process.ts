import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { HostCommand } from './test-sandbox';

/** How a command ended. */
export type CommandOutcome = { kind: 'exited'; code: number } | { kind: 'signaled'; signal: string } | { kind: 'timeout' } | { kind: 'aborted' };

export interface CommandRun {
  outcome: CommandOutcome;
  /** stdout and stderr as they came, at most the last `maxChars` characters. */
  output: string;
  /** More output came than `output` holds (its start was dropped). */
  cut: boolean;
}

/** After a kill, how long to wait for the pipes to close before closing them ourselves. */
const CLOSE_GRACE_MS = 2_000;

/**
 * Runs a sandbox command in its own process group, stdin from /dev/null and an empty host
 * environment; at `timeoutMs` or on abort the whole group gets SIGKILL. Rejects only when the
 * process cannot be started.
 */
export function runCommand(cmd: HostCommand, opts: { timeoutMs: number; maxChars: number; signal?: AbortSignal }): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      resolve({ outcome: { kind: 'aborted' }, output: '', cut: false });
      return;
    }
    const child = spawn(cmd.file, cmd.args, {
      env: {},
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(cmd.uid === undefined ? {} : { uid: cmd.uid }),
      ...(cmd.gid === undefined ? {} : { gid: cmd.gid }),
    });
    let output = '';
    let cut = false;
    let stopped: 'timeout' | 'aborted' | undefined;
    let grace: NodeJS.Timeout | undefined;
    const add = (text: string) => {
      output += text;
      if (output.length > opts.maxChars * 2) {
        output = output.slice(-opts.maxChars);
        cut = true;
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      const decoder = new StringDecoder('utf8');
      stream.on('data', (chunk: Buffer) => add(decoder.write(chunk)));
      stream.on('end', () => add(decoder.end()));
    }
    const kill = (why: 'timeout' | 'aborted') => {
      if (stopped !== undefined) return;
      stopped = why;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, CLOSE_GRACE_MS);
    };
    const timer = setTimeout(() => kill('timeout'), opts.timeoutMs);
    const onAbort = () => kill('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      if (grace !== undefined) clearTimeout(grace);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (error) => {
      cleanup();
      reject(error);
    });
    child.once('close', (code, signal) => {
      cleanup();
      if (output.length > opts.maxChars) {
        output = output.slice(-opts.maxChars);
        cut = true;
      }
      const outcome: CommandOutcome =
        stopped !== undefined ? { kind: stopped } : code !== null ? { kind: 'exited', code } : { kind: 'signaled', signal: signal ?? 'unknown' };
      resolve({ outcome, output, cut });
    });
  });
}
