import { shown } from '@patch-factory/contracts';
import { verify as cryptoVerify } from 'node:crypto';
import type { PublicKeyInfo } from '../keys/p256-key';
import { failed, type VerifyResult } from '../verify-result';
import { parseSimpleSigningPayload, type SimpleSigningPayload } from './simple-signing';

/** What to check a cosign signature against. */
export interface VerifySimpleSigningInput {
  payload: Buffer;
  /** base64 DER ECDSA signature (the `dev.cosignproject.cosign/signature` annotation). */
  signature: string;
  publicKey: PublicKeyInfo;
  /** The digest the signature must be for. */
  imageDigest: string;
  /** When given, the repository the signature must name. */
  reference?: string;
}

/** Verifies a cosign simple signing signature: signature over the payload bytes, then the digest (and reference). */
export function verifySimpleSigning(input: VerifySimpleSigningInput): VerifyResult<SimpleSigningPayload> {
  const signature = Buffer.from(input.signature, 'base64');
  if (signature.length === 0 || signature.length > 256)
    return failed('malformed', 'the signature is not base64 DER of an ECDSA P-256 signature');
  let valid = false;
  try {
    valid = cryptoVerify('sha256', input.payload, { key: input.publicKey.key, dsaEncoding: 'der' }, signature);
  } catch {
    valid = false;
  }
  if (!valid)
    return failed(
      'bad-signature',
      `the signature does not verify with key ${input.publicKey.keyId}: the payload was changed or another key signed it`,
    );
  const payload = parseSimpleSigningPayload(input.payload);
  if (!payload) return failed('malformed', 'the signed payload is not a cosign simple-signing payload');
  const digest = payload.critical.image['docker-manifest-digest'];
  if (digest !== input.imageDigest)
    return failed('digest-mismatch', `the signature is for ${shown(digest, 80)}, not ${input.imageDigest}`);
  const ref = payload.critical.identity['docker-reference'];
  if (input.reference !== undefined && ref !== input.reference)
    return failed('reference-mismatch', `the signature is for repository ${shown(ref, 120)}, not ${input.reference}`);
  return { ok: true, value: payload };
}
