import { spawn } from 'node:child_process';

/** How one buildah process runs. */
export interface ProcessOptions {
  /** The whole environment of the child (nothing of ours leaks in). */
  env: Record<string, string>;
  /** Receives each output line (stdout and stderr); a throwing logger is ignored. */
  log: (line: string) => void;
  /** `Date.now()` by which the process must have ended; then it is killed. */
  deadline: number;
  signal?: AbortSignal;
}

/** How it ended. Never a rejection: the caller turns this into its error. */
export interface ProcessOutcome {
  exitCode: number | null;
  /** The last output lines, for error messages. */
  tail: string[];
  /** Set when we killed it. */
  stopped?: 'timeout' | 'abort';
  /** Set when it could not start (ENOENT, EACCES). */
  spawnError?: Error;
}

const TAIL_LINES = 40;
const MAX_LINE = 8 * 1024;

/**
 * Runs `file args…` without a shell, stdin closed, and resolves once it has ended and its
 * output is read. On timeout or abort it gets SIGKILL (for the namespace wrapper that ends
 * everything inside, see buildah-tools).
 */
export function runProcess(file: string, args: readonly string[], opts: ProcessOptions): Promise<ProcessOutcome> {
  const tail: string[] = [];
  const emit = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    try {
      opts.log(line);
    } catch {
      // The caller's logger is not our concern; the build goes on.
    }
  };
  if (opts.signal?.aborted) return Promise.resolve({ exitCode: null, tail, stopped: 'abort' });
  return new Promise((done) => {
    const child = spawn(file, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stopped: ProcessOutcome['stopped'];
    let spawnError: Error | undefined;
    const kill = (why: 'timeout' | 'abort') => {
      stopped ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill('timeout'), Math.max(0, opts.deadline - Date.now()));
    const onAbort = () => kill('abort');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const flushers = [child.stdout, child.stderr].map((stream) => splitLines(stream, emit));
    let finished = false;
    const finish = (exitCode: number | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const flush of flushers) flush();
      done({ exitCode, tail, ...(stopped ? { stopped } : {}), ...(spawnError ? { spawnError } : {}) });
    };
    child.on('error', (error) => {
      spawnError ??= error;
      // A process that never started emits no 'close' for sure.
      if (child.pid === undefined) finish(null);
    });
    child.on('close', (code) => finish(code));
  });
}

/** Calls `emit` for each line of a stream (CR LF or LF); returns a flusher for the last one. */
function splitLines(stream: NodeJS.ReadableStream, emit: (line: string) => void): () => void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    partial += chunk;
    let end: number;
    while ((end = partial.indexOf('\n')) !== -1) {
      emit(partial.slice(0, end).replace(/\r$/, ''));
      partial = partial.slice(end + 1);
    }
    // A line without end (a progress bar) must not grow without bound.
    if (partial.length > MAX_LINE) {
      emit(partial);
      partial = '';
    }
  });
  return () => {
    if (partial !== '') emit(partial.replace(/\r$/, ''));
    partial = '';
  };
}
