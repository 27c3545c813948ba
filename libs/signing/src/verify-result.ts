/** Why a signature or attestation did not verify. */
export type VerifyFailure =
  /** The bytes are not a simple-signing payload / DSSE envelope / in-toto statement. */
  | 'malformed'
  /** The signature does not verify with the key: the payload was changed, or another key signed it. */
  | 'bad-signature'
  /** The signature is valid but for another image digest. */
  | 'digest-mismatch'
  /** The signature is valid but for another repository. */
  | 'reference-mismatch'
  /** The attestation is valid but of another predicate type than asked for. */
  | 'predicate-mismatch';

/** ok with the verified value, or a reason with a message a person can act on. */
export type VerifyResult<T> = { ok: true; value: T } | { ok: false; reason: VerifyFailure; message: string };

export const failed = (
  reason: VerifyFailure,
  message: string,
): { ok: false; reason: VerifyFailure; message: string } => ({ ok: false, reason, message });
