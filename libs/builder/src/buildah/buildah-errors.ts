import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { shown } from '../builder-errors';

/** Stable codes of the buildah adapter (rule 5 of DESIGN.md). */
export const BuildahErrorCode = {
  /** buildah (or util-linux's unshare) is missing, or cannot run in private namespaces (not root). */
  unavailable: 'build-buildah-unavailable',
  /** buildah ran and failed (a bad instruction, a failing RUN, a timeout), or left a bad layout. */
  failed: 'build-buildah-failed',
  /** The Dockerfile definition or one of its build inputs is refused before buildah runs. */
  dockerfileInvalid: 'build-dockerfile-invalid',
} as const;

export type BuildahErrorCode = (typeof BuildahErrorCode)[keyof typeof BuildahErrorCode];

/** A buildah failure that will not pass by retrying. */
export function buildahTerminal(code: BuildahErrorCode, message: string, cause?: unknown): TerminalError {
  return new TerminalError(code, message, cause === undefined ? undefined : { cause });
}

/** A buildah failure that may pass on another attempt (a timeout on a busy worker). */
export function buildahRetryable(code: BuildahErrorCode, message: string): RetryableError {
  return new RetryableError(code, message);
}

/** The last lines of buildah's output for an error message, each cleaned: `a | b | c`. */
export function outputTail(lines: readonly string[], maxLines = 8, maxChars = 1500): string {
  const kept = lines.filter((line) => line.trim() !== '').slice(-maxLines);
  if (kept.length === 0) return '(buildah printed nothing)';
  const text = kept.map((line) => shown(line.trim(), 400)).join(' | ');
  return text.length > maxChars ? `…${text.slice(text.length - maxChars)}` : text;
}
