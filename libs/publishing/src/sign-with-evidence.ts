import {
  attestImage,
  signImage,
  type ImageDescriptor,
  type InTotoStatement,
  type SigningKey,
} from '@patch-factory/signing';
import type { SignedArtifacts } from './signed-artifacts';

/** Input of signWithEvidence. */
export interface SignWithEvidenceInput {
  key: SigningKey;
  /** The image, named by the repository it will be verified in (`registry.example/examples/redis`). */
  image: ImageDescriptor;
  statements: readonly InTotoStatement<object>[];
  /** The image's `.sig` / `.att` manifests already in the registry, merged (nothing is lost, nothing doubled). */
  existing?: { signature?: unknown; attestations?: unknown };
  /** false: new signatures even for bytes signed before (as before issue 13; benchmarks compare). Default true. */
  reuseSignatures?: boolean;
}

/**
 * Signs an image and its evidence: a cosign simple-signing signature (`.sig`), one DSSE
 * attestation per statement (`.att`), and a Sigstore bundle v0.3 for each, as referrers.
 * Only signatures leave this function; the key stays in the signer.
 */
export async function signWithEvidence(input: SignWithEvidenceInput): Promise<SignedArtifacts> {
  const reuse = input.reuseSignatures === false ? { reuseSignatures: false } : {};
  const signature = await signImage({
    key: input.key,
    image: input.image,
    ...reuse,
    ...(input.existing?.signature !== undefined ? { existingSignatureManifest: input.existing.signature } : {}),
  });
  const attested = await attestImage({
    key: input.key,
    image: input.image,
    statements: input.statements,
    ...reuse,
    ...(input.existing?.attestations !== undefined ? { existingAttestationManifest: input.existing.attestations } : {}),
  });
  return {
    image: input.image,
    predicateTypes: attested.attestations.map((a) => a.predicateType),
    tags: [signature.sigManifest, attested.attManifest],
    referrers: [signature.referrer, ...attested.attestations.map((a) => a.referrer)],
  };
}
