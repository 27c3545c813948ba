import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

export interface ServiceProcess {
  pid: number;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote (JSON log lines and stderr). */
  output(): string;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string>;
}

/**
 * Starts a compiled entry point (dist/…) in its own Node process with the given
 * environment and waits for its "service started" log line (bounded by timeoutMs).
 */
export async function startProcess(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ServiceProcess> {
  const root = repoRoot();
  const child = spawn(process.execPath, [join(root, 'tools/node/run.cjs'), entry], {
    cwd: root,
    // stdin stays a pipe from this process: the child shuts down when the test runner dies (run.cjs).
    env: { ...process.env, PF_HTTP_PORT: '0', PF_LOG_LEVEL: 'info', PF_EXIT_WITH_PARENT: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const started = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${entry} did not start within ${timeoutMs} ms:\n${out.slice(-4000)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"port":(\d+)[^\n]*"msg":"service started"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}) before it started:\n${out.slice(-4000)}`));
    });
  });
  let port: number;
  try {
    port = await started;
  } catch (error) {
    // Never leave a half-started process behind (it would keep the test runner alive).
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    pid: child.pid ?? -1,
    port,
    child,
    output: () => out,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited,
  };
}

/** A test stage worker (libs/testing worker-main) for the given stages. */
export function startWorker(stages: readonly string[], env: Record<string, string>): Promise<ServiceProcess> {
  return startProcess('dist/libs/testing/src/worker-main.js', { ...env, PF_TEST_STAGES: stages.join(',') });
}
