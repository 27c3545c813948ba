import { RetryableError, TerminalError } from '@patch-factory/contracts';

/** Stable codes of the Alpine repository client (rule 5 of DESIGN.md). */
export const ApkErrorCode = {
  /** The repository URL or a path segment (branch, repo, arch) is refused. */
  urlRefused: 'apk-url-refused',
  /** The mirror could not be reached or the transfer broke off. */
  unreachable: 'apk-unreachable',
  /** The mirror answered an unexpected HTTP status. */
  httpStatus: 'apk-http-status',
  /** The index is not there (404/410): wrong branch, repo or arch. */
  indexNotFound: 'apk-index-not-found',
  /** A body or a decompressed part is larger than the limit. */
  tooLarge: 'apk-too-large',
  /** The index is not a gzip'd tar as apk writes it (bad gzip, bad tar, no APKINDEX). */
  indexInvalid: 'apk-index-invalid',
  /** The index carries no `.SIGN.RSA.*` / `.SIGN.RSA256.*` signature. */
  indexUnsigned: 'apk-index-unsigned',
  /** The signature does not verify with the key it names. */
  signatureBad: 'apk-signature-bad',
  /** The signature names a key that is not in the keys directory (or an unusable name). */
  signatureUnknownKey: 'apk-signature-unknown-key',
  /** The keys directory cannot be read. */
  keysDirMissing: 'apk-keys-dir-missing',
} as const;

export type ApkErrorCode = (typeof ApkErrorCode)[keyof typeof ApkErrorCode];

/** A failure that will not pass by retrying (a bad signature, a refused URL…). */
export function apkTerminal(code: ApkErrorCode, message: string, cause?: unknown): TerminalError {
  return new TerminalError(code, message, cause === undefined ? undefined : { cause });
}

/** A failure that may pass (the mirror is down, a timeout, a 5xx). */
export function apkRetryable(code: ApkErrorCode, message: string, cause?: unknown): RetryableError {
  return new RetryableError(code, message, cause === undefined ? undefined : { cause });
}
