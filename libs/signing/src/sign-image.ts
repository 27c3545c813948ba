import type { BundleWithDsseEnvelope, BundleWithMessageSignature } from '@sigstore/bundle';
import { attestationLayer, attestationManifest, knownAttestationSignatures } from './attest/attestation-manifest';
import type { DsseEnvelope } from './attest/dsse';
import type { InTotoStatement } from './attest/in-toto-statement';
import { bundleReferrer, type ImageDescriptor, type ReferrerArtifact } from './bundle/referrer-manifest';
import { attestationBundle, messageSignatureBundle, type BundleArtifact } from './bundle/sigstore-bundles';
import type { CosignManifestArtifact } from './cosign/cosign-manifest';
import { parseCosignManifest } from './cosign/cosign-manifest';
import { attestationTag, signatureTag } from './cosign/cosign-tags';
import { knownSimpleSignatures, signatureLayer, signatureManifest } from './cosign/signature-manifest';
import { reusingKey } from './keys/reusing-key';
import { simpleSigningPayload } from './cosign/simple-signing';
import { checkImageDigest, digestHex } from './digest';
import { loadPublicKey } from './keys/p256-key';
import type { SigningKey } from './keys/signing-key';
import { signingError, SigningErrorCode } from './signing-errors';

/** What {@link signImage} makes: everything the publisher pushes for the signature. */
export interface ImageSignature {
  /** The simple-signing payload bytes. */
  payload: Buffer;
  /** base64 DER signature over `payload` (the same one in the `.sig` layer and in the bundle). */
  signature: string;
  /** The message-signature bundle v0.3. */
  bundle: BundleArtifact<BundleWithMessageSignature>;
  /** The `.sig` manifest (tag `sha256-<hex>.sig`), merged with `existingSignatureManifest`. */
  sigManifest: CosignManifestArtifact;
  /** The OCI 1.1 referrer carrying the bundle. */
  referrer: ReferrerArtifact;
}

/** Input of {@link signImage}. */
export interface SignImageInput {
  key: SigningKey;
  image: ImageDescriptor;
  /** The image's current `.sig` manifest, if the registry has one (bytes or parsed JSON). */
  existingSignatureManifest?: unknown;
  /** Recorded as `org.opencontainers.image.created` on the referrer when given. */
  createdAt?: Date | string;
  /** false: sign afresh even when the existing manifest has a signature of the same bytes (the behaviour before issue 13; for comparisons). Default true. */
  reuseSignatures?: boolean;
}

/**
 * Signs an image the cosign way (simple signing) and as a Sigstore bundle, with one signature.
 * When the existing `.sig` manifest has a signature of the same payload by the same key, that
 * signature is reused: a re-sign of an unchanged image adds no layer, bundle or referrer.
 */
export async function signImage(input: SignImageInput): Promise<ImageSignature> {
  const digest = checkImageDigest(input.image.digest, `sign ${input.image.name}`);
  const payload = simpleSigningPayload(input.image.name, digest);
  // The same payload signed before with this key (its layer is in the .sig manifest): the same signature, so nothing new is made.
  const existing =
    input.existingSignatureManifest === undefined
      ? []
      : parseCosignManifest(input.existingSignatureManifest, signatureTag(digest));
  const bundle = await messageSignatureBundle(
    input.reuseSignatures === false ? input.key : reusingKey(input.key, knownSimpleSignatures(existing)),
    payload,
  );
  const signature = bundle.signature.toString('base64');
  const sigManifest = signatureManifest(digest, [signatureLayer(payload, signature)], {
    ...(input.existingSignatureManifest !== undefined ? { existing: input.existingSignatureManifest } : {}),
    samePayloadKey: loadPublicKey(input.key.publicKeyPem, `key ${input.key.keyId}`),
  });
  const referrer = bundleReferrer({
    bundleBytes: bundle.bytes,
    subject: input.image,
    content: 'message-signature',
    ...(input.createdAt !== undefined ? { createdAt: input.createdAt } : {}),
  });
  return { payload, signature, bundle: { bundle: bundle.bundle, bytes: bundle.bytes }, sigManifest, referrer };
}

/** One signed attestation: the statement, its DSSE envelope (`.att` layer) and its bundle + referrer. */
export interface ImageAttestation {
  predicateType: string;
  statement: InTotoStatement<object>;
  envelope: DsseEnvelope;
  /** The envelope's JSON: the `.att` layer blob. */
  envelopeBytes: Buffer;
  bundle: BundleArtifact<BundleWithDsseEnvelope>;
  referrer: ReferrerArtifact;
}

/** What {@link attestImage} makes. */
export interface ImageAttestations {
  attestations: ImageAttestation[];
  /** The `.att` manifest (tag `sha256-<hex>.att`), merged with `existingAttestationManifest`. */
  attManifest: CosignManifestArtifact;
}

/** Input of {@link attestImage}. */
export interface AttestImageInput {
  key: SigningKey;
  image: ImageDescriptor;
  /** From buildAttestations(); every subject must be the image. */
  statements: readonly InTotoStatement<object>[];
  existingAttestationManifest?: unknown;
  createdAt?: Date | string;
  /** As SignImageInput.reuseSignatures. */
  reuseSignatures?: boolean;
}

/**
 * Signs each statement once (DSSE over its PAE) and packages it both as a cosign `.att` layer and
 * a Sigstore bundle referrer. A statement whose exact bytes the existing `.att` manifest holds
 * signed by the same key keeps that signature: its layer, bundle and referrer come out the same
 * bytes, so nothing new is added (a statement that differs, such as another run's provenance, is new).
 */
export async function attestImage(input: AttestImageInput): Promise<ImageAttestations> {
  const digest = checkImageDigest(input.image.digest, `attest ${input.image.name}`);
  for (const s of input.statements) {
    if (s.subject.length === 0 || s.subject.some((sub) => sub.digest.sha256 !== digestHex(digest))) {
      throw signingError(
        SigningErrorCode.inputInvalid,
        `attest ${input.image.name}`,
        `the ${s.predicateType} statement is not about ${digest}`,
      );
    }
  }
  // A statement signed before with this key (its layer is in the .att manifest): the same envelope, layer, bundle and referrer.
  const existing =
    input.existingAttestationManifest === undefined
      ? []
      : parseCosignManifest(input.existingAttestationManifest, attestationTag(digest));
  const key = input.reuseSignatures === false ? input.key : reusingKey(input.key, knownAttestationSignatures(existing));
  const attestations = await Promise.all(
    input.statements.map(async (statement): Promise<ImageAttestation> => {
      const signed = await attestationBundle(key, statement);
      const referrer = bundleReferrer({
        bundleBytes: signed.bytes,
        subject: input.image,
        content: 'dsse-envelope',
        predicateType: statement.predicateType,
        ...(input.createdAt !== undefined ? { createdAt: input.createdAt } : {}),
      });
      return {
        predicateType: statement.predicateType,
        statement,
        envelope: signed.envelope,
        envelopeBytes: signed.envelopeBytes,
        bundle: { bundle: signed.bundle, bytes: signed.bytes },
        referrer,
      };
    }),
  );
  const attManifest = attestationManifest(
    digest,
    attestations.map((a) => attestationLayer(a.envelope, a.predicateType, a.envelopeBytes)),
    input.existingAttestationManifest,
  );
  return { attestations, attManifest };
}
