import { bundleFromJSON, isBundleWithDsseEnvelope, type Bundle } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier, type TrustMaterial } from '@sigstore/verify';
import type { PublicKeyInfo } from '../keys/p256-key';
import { failed, type VerifyResult } from '../verify-result';

/** Trust material for bundles signed with our keys: the public keys by key id (hint); no CA, tlog, CT log or TSA. */
export function keyTrustMaterial(keys: readonly PublicKeyInfo[]): TrustMaterial {
  const root: Parameters<typeof toTrustMaterial>[0] = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
  return toTrustMaterial(root, (hint: string) => {
    const key = keys.find((k) => k.keyId === hint);
    if (!key) throw new Error(`key ${hint.slice(0, 80)} is not trusted`);
    return { publicKey: key.key, validFor: () => true };
  });
}

/**
 * Verifies a Sigstore bundle (parsed JSON) with @sigstore/verify against our public keys, with
 * no transparency log, CT log or timestamp required. A message-signature bundle needs the
 * signed artifact (the simple-signing payload). Checks the signature only: the caller checks
 * what was signed (verifySimpleSigning, verifyAttestation).
 */
export function verifyBundle(
  bundleJson: unknown,
  keys: readonly PublicKeyInfo[],
  artifact?: Buffer,
): VerifyResult<Bundle> {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch (error) {
    return failed('malformed', `not a Sigstore bundle: ${(error as Error).message.slice(0, 200)}`);
  }
  if (!isBundleWithDsseEnvelope(bundle) && artifact === undefined)
    return failed('malformed', 'a message-signature bundle needs the signed artifact to verify');
  try {
    const verifier = new Verifier(keyTrustMaterial(keys), {
      tlogThreshold: 0,
      ctlogThreshold: 0,
      timestampThreshold: 0,
    });
    verifier.verify(toSignedEntity(bundle, artifact));
  } catch (error) {
    return failed('bad-signature', `the bundle does not verify: ${(error as Error).message.slice(0, 200)}`);
  }
  return { ok: true, value: bundle };
}
