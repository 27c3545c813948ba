import { attestationTag } from '../cosign/cosign-tags';
import { buildCosignManifest, parseCosignManifest, type CosignManifestArtifact } from '../cosign/cosign-manifest';
import { COSIGN_SIGNATURE_ANNOTATION } from '../cosign/signature-manifest';
import { blobOf, type OciBlob } from '../oci-blob';
import { DSSE_ENVELOPE_MEDIA_TYPE, envelopeBytes, type DsseEnvelope } from './dsse';

/** The layer annotation naming an attestation's predicate type. */
export const PREDICATE_TYPE_ANNOTATION = 'predicateType';

/** One `.att` layer: the envelope JSON (`bytes`, when already serialized), annotated with its predicate type (and cosign's empty signature annotation). */
export function attestationLayer(envelope: DsseEnvelope, predicateType: string, bytes: Buffer = envelopeBytes(envelope)): OciBlob {
  return blobOf(DSSE_ENVELOPE_MEDIA_TYPE, bytes, { [COSIGN_SIGNATURE_ANNOTATION]: '', [PREDICATE_TYPE_ANNOTATION]: predicateType });
}

/** The `.att` manifest for an image: the existing layers plus the envelopes not already there (same bytes and annotations). */
export function attestationManifest(imageDigest: string, layers: readonly OciBlob[], existing?: unknown): CosignManifestArtifact {
  const tag = attestationTag(imageDigest);
  return buildCosignManifest(tag, existing === undefined ? [] : parseCosignManifest(existing, tag), layers);
}
