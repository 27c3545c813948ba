import { shown } from '@patch-factory/contracts';
import { checkImageDigest, digestHex } from '../digest';
import type { PublicKeyInfo } from '../keys/p256-key';
import { failed, type VerifyResult } from '../verify-result';
import { dsseVerifies, IN_TOTO_PAYLOAD_TYPE, parseEnvelope } from './dsse';
import { parseStatement, type InTotoStatement } from './in-toto-statement';

/**
 * Verifies an attestation: the DSSE envelope's signature (over the PAE) with the key, then the
 * statement, then that every subject is the image (`imageDigest`). The envelope as bytes or parsed.
 */
export function verifyAttestation(
  envelope: unknown,
  publicKey: PublicKeyInfo,
  imageDigest: string,
  predicateType?: string,
): VerifyResult<InTotoStatement> {
  const digest = checkImageDigest(imageDigest, 'verify attestation');
  const env = parseEnvelope(envelope);
  if (!env) return failed('malformed', 'not a DSSE envelope (payloadType, payload, signatures)');
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return failed('malformed', `payloadType is ${shown(env.payloadType, 80)}, not ${IN_TOTO_PAYLOAD_TYPE}`);
  if (!dsseVerifies(env, publicKey))
    return failed(
      'bad-signature',
      `no signature of the envelope verifies with key ${publicKey.keyId}: the statement was changed or another key signed it`,
    );
  const statement = parseStatement(Buffer.from(env.payload, 'base64'));
  if (typeof statement === 'string')
    return failed('malformed', `the signed statement is not an in-toto Statement v1: ${statement}`);
  const other = statement.subject.find((s) => s.digest.sha256 !== digestHex(digest));
  if (other) return failed('digest-mismatch', `the statement is about sha256:${other.digest.sha256}, not ${digest}`);
  if (predicateType !== undefined && statement.predicateType !== predicateType) {
    return failed(
      'predicate-mismatch',
      `the predicate type is ${shown(statement.predicateType, 120)}, not ${predicateType}`,
    );
  }
  return { ok: true, value: statement };
}
