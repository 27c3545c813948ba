import { attestationTag } from '../cosign/cosign-tags';
import { buildCosignManifest, parseCosignManifest, type CosignManifestArtifact } from '../cosign/cosign-manifest';
import { COSIGN_SIGNATURE_ANNOTATION } from '../cosign/signature-manifest';
import { blobOf, type OciBlob, type OciDescriptor } from '../oci-blob';
import { createHash } from 'node:crypto';
import type { KnownSignature } from '../keys/reusing-key';
import { DSSE_ENVELOPE_MEDIA_TYPE, envelopeBytes, preAuthEncoding, type DsseEnvelope } from './dsse';

/** The layer annotation naming an attestation's predicate type. */
export const PREDICATE_TYPE_ANNOTATION = 'predicateType';
/** The layer annotation holding the hex sha256 of what the envelope's signature signs (its PAE). */
export const PAE_SHA256_ANNOTATION = 'dev.patch-factory.dsse/pae-sha256';
/** The layer annotation holding the envelope's (first) signature, base64: a re-sign of the same statement reuses it. */
export const DSSE_SIGNATURE_ANNOTATION = 'dev.patch-factory.dsse/signature';

/**
 * One `.att` layer: the envelope JSON (`bytes`, when already serialized), annotated with its
 * predicate type (and cosign's empty signature annotation), and with what its signature signs
 * and the signature (so that signing the same statement again reuses it: see reusingKey).
 */
export function attestationLayer(
  envelope: DsseEnvelope,
  predicateType: string,
  bytes: Buffer = envelopeBytes(envelope),
): OciBlob {
  const pae = createHash('sha256')
    .update(preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64')))
    .digest('hex');
  const signature = envelope.signatures[0]?.sig;
  return blobOf(DSSE_ENVELOPE_MEDIA_TYPE, bytes, {
    [COSIGN_SIGNATURE_ANNOTATION]: '',
    [PREDICATE_TYPE_ANNOTATION]: predicateType,
    [PAE_SHA256_ANNOTATION]: pae,
    ...(signature ? { [DSSE_SIGNATURE_ANNOTATION]: signature } : {}),
  });
}

/** The signatures the layers of an `.att` manifest carry in their annotations, by what they sign. */
export function knownAttestationSignatures(layers: readonly OciDescriptor[]): KnownSignature[] {
  const known: KnownSignature[] = [];
  for (const l of layers) {
    const dataSha256 = l.annotations?.[PAE_SHA256_ANNOTATION];
    const signature = l.annotations?.[DSSE_SIGNATURE_ANNOTATION];
    if (dataSha256 && /^[0-9a-f]{64}$/.test(dataSha256) && signature) known.push({ dataSha256, signature });
  }
  return known;
}

/** The `.att` manifest for an image: the existing layers plus the envelopes not already there (same bytes and annotations). */
export function attestationManifest(
  imageDigest: string,
  layers: readonly OciBlob[],
  existing?: unknown,
): CosignManifestArtifact {
  const tag = attestationTag(imageDigest);
  return buildCosignManifest(tag, existing === undefined ? [] : parseCosignManifest(existing, tag), layers);
}
