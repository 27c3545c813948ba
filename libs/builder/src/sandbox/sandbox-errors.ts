import { TerminalError } from '@patch-factory/contracts';

/** Stable codes of the build sandbox and of `contents.builds[]` (rule 5 of DESIGN.md). */
export const SandboxErrorCode = {
  /** Neither bubblewrap nor the chroot fallback (root + unshare) works on this host. */
  sandboxUnavailable: 'build-sandbox-unavailable',
  /** A build step exited non-zero, was killed, or could not start (e.g. its shell is missing). */
  stepFailed: 'build-step-failed',
  /** A build or step asks for something the sandbox does not do (`uses`, `if`, caches, secrets…). */
  stepUnsupported: 'build-step-unsupported',
  /** A build step ran longer than its time limit and was killed. */
  stepTimeout: 'build-step-timeout',
  /** An output's source is not in the build root after the build. */
  outputMissing: 'build-output-missing',
  /** An output's source or target escapes the root, passes through a symlink out of it, or is no file, directory or symlink. */
  outputUnsafe: 'build-output-unsafe',
  /** A `${a.b}` variable in a build is not one the builder knows. */
  varUnknown: 'build-var-unknown',
} as const;

export type SandboxErrorCode = (typeof SandboxErrorCode)[keyof typeof SandboxErrorCode];

/** A build sandbox failure that will not pass by retrying. */
export function sandboxTerminal(code: SandboxErrorCode, message: string, cause?: unknown): TerminalError {
  return new TerminalError(code, message, cause === undefined ? undefined : { cause });
}
