// Test helper (not a suite): runs a node script of the repository (the built CLI) as a user
// would, from the repository root, and collects what it prints.
import { spawn } from 'node:child_process';
import { repoRoot } from '@patch-factory/testing';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node <script> args…` from the repository root with this process's environment, without
 * PF_API_URL, PF_TOKEN and PF_TOKEN_FILE unless `env` sets them; resolves when it exits (killed
 * and rejected after 20 s).
 */
export function runNodeScript(
  script: string,
  args: readonly string[],
  env: { PF_API_URL?: string; PF_TOKEN?: string; PF_TOKEN_FILE?: string } = {},
): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['PF_API_URL', 'PF_TOKEN', 'PF_TOKEN_FILE'] as const) {
    delete childEnv[name];
    if (env[name] !== undefined) childEnv[name] = env[name];
  }
  const child = spawn(process.execPath, [script, ...args], {
    cwd: repoRoot(),
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`patch-factory ${args.join(' ')} did not exit within 20 s`));
    }, 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
