import { shownValue } from '@patch-factory/contracts';
import {
  blobOf,
  descriptorOf,
  OCI_MANIFEST_MEDIA_TYPE,
  type ManifestArtifact,
  type OciBlob,
  type OciDescriptor,
} from '../oci-blob';
import { signingError, SigningErrorCode } from '../signing-errors';
import { checkImageDigest } from '../digest';
import { SIGSTORE_BUNDLE_MEDIA_TYPE } from './sigstore-bundles';

export const OCI_EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';

/** The OCI empty descriptor's blob: `{}`. */
export const OCI_EMPTY_BLOB: OciBlob = blobOf(OCI_EMPTY_MEDIA_TYPE, '{}');

/** The image a referrer points to: its manifest or index descriptor. */
export interface ImageDescriptor {
  /** The repository (`registry.example/team/app`). */
  name: string;
  /** `sha256:<hex>` of the image manifest or index. */
  digest: string;
  /** `application/vnd.oci.image.index.v1+json` or a manifest media type. */
  mediaType: string;
  size: number;
}

/** An OCI 1.1 referrer manifest to push by digest, as data. */
export interface ReferrerArtifact extends ManifestArtifact {
  artifactType: string;
  subject: OciDescriptor;
}

/** What the referrer carries. */
export interface BundleReferrerInput {
  bundleBytes: Buffer;
  subject: ImageDescriptor;
  /** `dsse-envelope` or `message-signature`. */
  content: 'dsse-envelope' | 'message-signature';
  /** For a DSSE bundle: the statement's predicate type. */
  predicateType?: string;
  /** `org.opencontainers.image.created`; omitted unless given (the manifest stays deterministic). */
  createdAt?: Date | string;
}

/** The OCI 1.1 referrer manifest of a Sigstore bundle: empty config, one layer with the bundle JSON, subject = the image. */
export function bundleReferrer(input: BundleReferrerInput): ReferrerArtifact {
  const digest = checkImageDigest(input.subject.digest, 'bundle referrer');
  if (!Number.isSafeInteger(input.subject.size) || input.subject.size <= 0)
    throw signingError(
      SigningErrorCode.inputInvalid,
      'bundle referrer',
      `subject size ${shownValue(input.subject.size)} is not a byte count`,
    );
  const subject: OciDescriptor = { mediaType: input.subject.mediaType, digest, size: input.subject.size };
  const layer = blobOf(SIGSTORE_BUNDLE_MEDIA_TYPE, input.bundleBytes);
  const annotations: Record<string, string> = { 'dev.sigstore.bundle.content': input.content };
  if (input.predicateType !== undefined) annotations['dev.sigstore.bundle.predicateType'] = input.predicateType;
  if (input.createdAt !== undefined) {
    const d = input.createdAt instanceof Date ? input.createdAt : new Date(input.createdAt);
    if (Number.isNaN(d.getTime()))
      throw signingError(
        SigningErrorCode.inputInvalid,
        'bundle referrer',
        `createdAt ${shownValue(input.createdAt)} is not a time`,
      );
    annotations['org.opencontainers.image.created'] = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const manifest = blobOf(
    OCI_MANIFEST_MEDIA_TYPE,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE,
      config: descriptorOf(OCI_EMPTY_BLOB),
      layers: [descriptorOf(layer)],
      subject: descriptorOf(subject),
      annotations,
    }),
  );
  return { manifest, blobs: [OCI_EMPTY_BLOB, layer], artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE, subject };
}
