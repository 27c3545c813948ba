import { RetryableError, shown, TerminalError } from '@patch-factory/contracts';

/** Stable kebab-case codes of the failures this lib raises (rule 5 of DESIGN.md). */
export const SigningErrorCode = {
  /** The key URI names no registered provider (`file:` is built in). */
  keyProviderUnknown: 'signing-key-provider-unknown',
  /** The key file is missing, not a regular file, or too large to be a key. */
  keyUnreadable: 'signing-key-unreadable',
  /** The key file is readable by group or others (mode & 0o077). */
  keyPermissions: 'signing-key-permissions',
  /** The key is not ECDSA P-256 (RSA, another curve, Ed25519…). */
  keyUnsupported: 'signing-key-unsupported',
  /** The key text is not a usable PEM private/public key, or the passphrase is missing or wrong. */
  keyInvalid: 'signing-key-invalid',
  /** The key's sign() failed (a KMS that did not answer): worth a retry. */
  signFailed: 'signing-sign-failed',
  /** An input (image digest, reference, predicate, statement) is malformed. */
  inputInvalid: 'signing-input-invalid',
  /** `packages.json` written by the build stage is malformed or too large. */
  packagesInvalid: 'signing-packages-invalid',
  /** An existing `.sig`/`.att` manifest read from the registry is malformed. */
  manifestInvalid: 'signing-manifest-invalid',
} as const;

export type SigningErrorCode = (typeof SigningErrorCode)[keyof typeof SigningErrorCode];

/** A TerminalError whose message starts with where the problem is. */
export function signingError(code: SigningErrorCode, where: string, message: string): TerminalError {
  return new TerminalError(code, `${shown(where, 200)}: ${message}`);
}

/** A RetryableError (a key backend that may answer next time). */
export function signingRetryable(
  code: SigningErrorCode,
  where: string,
  message: string,
  cause?: unknown,
): RetryableError {
  return new RetryableError(code, `${shown(where, 200)}: ${message}`, { cause });
}
