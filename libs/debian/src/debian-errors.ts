import { RetryableError, TerminalError } from '@patch-factory/contracts';

/** Stable codes of the APT repository client (rule 5 of DESIGN.md). */
export const AptErrorCode = {
  urlRefused: 'apt-url-refused',
  unreachable: 'apt-unreachable',
  httpStatus: 'apt-http-status',
  tooLarge: 'apt-too-large',
  releaseMissing: 'apt-release-missing',
  releaseUnsigned: 'apt-release-unsigned',
  signatureBad: 'apt-signature-bad',
  signatureUnknownKey: 'apt-signature-unknown-key',
  signatureKeyExpired: 'apt-signature-key-expired',
  releaseExpired: 'apt-release-expired',
  releaseSuiteMismatch: 'apt-release-suite-mismatch',
  releaseInvalid: 'apt-release-invalid',
  keyringMissing: 'apt-keyring-missing',
  gpgvFailed: 'apt-gpgv-failed',
  indexNotListed: 'apt-index-not-listed',
  indexSizeMismatch: 'apt-index-size-mismatch',
  indexChecksumMismatch: 'apt-index-checksum-mismatch',
  decompressFailed: 'apt-decompress-failed',
  pinInvalid: 'apt-pin-invalid',
  pinNotFound: 'apt-pin-not-found',
} as const;

export type AptErrorCode = (typeof AptErrorCode)[keyof typeof AptErrorCode];

/** A failure that will not pass by retrying (a bad signature, a wrong checksum…). */
export function aptTerminal(code: AptErrorCode, message: string, cause?: unknown): TerminalError {
  return new TerminalError(code, message, cause === undefined ? undefined : { cause });
}

/** A failure that may pass (the mirror is down, a timeout, a 5xx). */
export function aptRetryable(code: AptErrorCode, message: string, cause?: unknown): RetryableError {
  return new RetryableError(code, message, cause === undefined ? undefined : { cause });
}
