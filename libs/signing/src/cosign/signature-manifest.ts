import { verify as cryptoVerify } from 'node:crypto';
import type { PublicKeyInfo } from '../keys/p256-key';
import type { KnownSignature } from '../keys/reusing-key';
import { blobOf, type OciBlob, type OciDescriptor } from '../oci-blob';
import { buildCosignManifest, parseCosignManifest, type CosignManifestArtifact } from './cosign-manifest';
import { signatureTag } from './cosign-tags';
import { SIMPLE_SIGNING_MEDIA_TYPE } from './simple-signing';

/** The layer annotation holding the base64 signature. */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

/** One signature layer: the payload bytes, the base64 signature in the annotation. */
export function signatureLayer(payload: Buffer, signatureB64: string): OciBlob {
  return blobOf(SIMPLE_SIGNING_MEDIA_TYPE, payload, { [COSIGN_SIGNATURE_ANNOTATION]: signatureB64 });
}

/** Options of {@link signatureManifest}. */
export interface SignatureManifestOptions {
  /** The current `.sig` manifest of the image (bytes or parsed), if the registry has one. */
  existing?: unknown;
  /**
   * When given, a layer with the same payload whose signature already verifies with this key
   * counts as present (ECDSA signatures differ each time: a retried job adds nothing).
   */
  samePayloadKey?: PublicKeyInfo;
}

/** The `.sig` manifest for an image: the existing layers plus new signature layers not already there. */
export function signatureManifest(
  imageDigest: string,
  layers: readonly OciBlob[],
  options: SignatureManifestOptions = {},
): CosignManifestArtifact {
  const tag = signatureTag(imageDigest);
  const existing = options.existing === undefined ? [] : parseCosignManifest(options.existing, tag);
  const key = options.samePayloadKey;
  return buildCosignManifest(tag, existing, layers, (layer, present) =>
    present.some((e) => {
      const sig = e.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
      if (e.digest !== layer.digest || e.mediaType !== layer.mediaType || sig === undefined) return false;
      if (sig === layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION]) return true;
      return key !== undefined && verifiesWith(key, layer.bytes, sig);
    }),
  );
}

function verifiesWith(key: PublicKeyInfo, payload: Buffer, signatureB64: string): boolean {
  try {
    return cryptoVerify('sha256', payload, { key: key.key, dsaEncoding: 'der' }, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

/** The signatures the layers of a `.sig` manifest carry, by what they sign (a simple-signing layer's blob is the signed payload). */
export function knownSimpleSignatures(layers: readonly OciDescriptor[]): KnownSignature[] {
  const known: KnownSignature[] = [];
  for (const l of layers) {
    const signature = l.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
    if (signature && l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE && /^sha256:[0-9a-f]{64}$/.test(l.digest))
      known.push({ dataSha256: l.digest.slice('sha256:'.length), signature });
  }
  return known;
}
