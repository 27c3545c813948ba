import { PipelineError, RetryableError, TerminalError } from '@patch-factory/contracts';

/**
 * Stable codes of the package sources (rule 5 of DESIGN.md): repository lines, keyrings,
 * index loading and .deb downloads. Checksums use `build-checksum-missing` and
 * `build-checksum-mismatch` (BuilderErrorCode, via verifyDebChecksum); failures of the APT
 * client keep their `apt-*` code, with the repository line named in the message.
 */
export const BuildSourceErrorCode = {
  /** A `contents.repositories[]` line (or a mirror mapping) is malformed or refused. */
  repositoryInvalid: 'build-repository-invalid',
  /** The keyring a line names (or the default keyring) is not in the trusted keyring directory. */
  keyringMissing: 'build-keyring-missing',
  /** A .deb download failed on the network (unreachable, timeout, 5xx): retryable. */
  downloadFailed: 'build-download-failed',
  /** The index lists a .deb the mirror does not have (404), or the server refused it (4xx). */
  packageUnavailable: 'build-package-unavailable',
  /** One download list names a package twice with different contents. */
  packageDuplicate: 'build-package-duplicate',
  /** The .deb cache directory cannot be read or written. */
  cacheFailed: 'build-cache-failed',
} as const;

export type BuildSourceErrorCode = (typeof BuildSourceErrorCode)[keyof typeof BuildSourceErrorCode];

/** A source failure that will not pass by retrying. */
export function sourceTerminal(code: BuildSourceErrorCode, message: string, cause?: unknown): TerminalError {
  return new TerminalError(code, message, cause === undefined ? undefined : { cause });
}

/** A source failure that may pass (the network). */
export function sourceRetryable(code: BuildSourceErrorCode, message: string, cause?: unknown): RetryableError {
  return new RetryableError(code, message, cause === undefined ? undefined : { cause });
}

/**
 * The same failure (code and retryability kept) with `where` in front of its message, so an
 * error of the APT client or of the checksum check names the repository line or package it is
 * about. Anything that is not a PipelineError is passed through unchanged.
 */
export function located(error: unknown, where: string): unknown {
  if (!(error instanceof PipelineError)) return error;
  const message = `${where}: ${error.message}`;
  return error.retryable
    ? new RetryableError(error.code, message, { cause: error })
    : new TerminalError(error.code, message, { cause: error });
}
