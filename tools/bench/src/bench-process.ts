import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';

const TAIL_CHARS = 8_000;

/** A compiled entry point running in its own Node process for the benchmark. */
export interface BenchProcess {
  name: string;
  pid: number;
  /** The last few kB the process wrote (stdout and stderr). */
  tail(): string;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL when it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();

// Last resort: whatever happens to the benchmark, no worker outlives it.
process.on('exit', () => {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/**
 * Starts `entry` (a path under dist/) through tools/node/run.cjs, like libs/testing's
 * startProcess, but without waiting for an info-level "service started" log line: the
 * benchmark runs workers at PF_LOG_LEVEL=warn, where that line is never written.
 * Readiness is checked by the caller (workers registered on their queues).
 */
export function spawnBenchProcess(name: string, entry: string, env: Record<string, string>): BenchProcess {
  const root = repoRoot();
  const child = spawn(process.execPath, [join(root, 'tools/node/run.cjs'), entry], {
    cwd: root,
    env: { ...process.env, PF_HTTP_PORT: '0', PF_EXIT_WITH_PARENT: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 2 * TAIL_CHARS) out = out.slice(-TAIL_CHARS);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    pid: child.pid ?? -1,
    tail: () => out.slice(-TAIL_CHARS),
    exited,
    stop: async (graceMs = 15_000) => {
      if (!alive()) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout' && alive()) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Rejects as soon as one of `procs` exits (they should run until stopped). */
export function anyExit(procs: readonly BenchProcess[]): { promise: Promise<never>; cancel(): void } {
  let cancelled = false;
  const promise = new Promise<never>((_, reject) => {
    for (const p of procs) {
      void p.exited.then((code) => {
        if (!cancelled)
          reject(new Error(`${p.name} (pid ${p.pid}) exited (${code}) during the benchmark:\n${p.tail()}`));
      });
    }
  });
  promise.catch(() => undefined);
  return {
    promise,
    cancel: () => {
      cancelled = true;
    },
  };
}

/** Stops every process (in parallel); never throws. */
export async function stopAll(procs: readonly BenchProcess[], graceMs = 15_000): Promise<void> {
  await Promise.allSettled(procs.map((p) => p.stop(graceMs)));
}
