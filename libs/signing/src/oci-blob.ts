import { sha256Digest } from './digest';

/** An OCI content descriptor (what a manifest lists). */
export interface OciDescriptor {
  mediaType: string;
  /** `sha256:<hex>` */
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
}

/** A blob to push: its bytes with the descriptor that names them. */
export interface OciBlob extends OciDescriptor {
  bytes: Buffer;
}

/**
 * A manifest to push, as data: the manifest bytes (push them exactly, their digest is the
 * manifest's) and the blobs it references that the publisher must push first.
 */
export interface ManifestArtifact {
  /** The manifest itself: mediaType, digest and size of `bytes`. */
  manifest: OciBlob;
  /** Blobs to push before the manifest (config + new layers). Layers kept from an existing manifest are not here: the repository has them. */
  blobs: OciBlob[];
}

/** A blob from bytes (a string is taken as UTF-8). */
export function blobOf(mediaType: string, bytes: Buffer | string, annotations?: Record<string, string>): OciBlob {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  return { mediaType, digest: sha256Digest(b), size: b.length, bytes: b, ...(annotations ? { annotations } : {}) };
}

/** The descriptor of a blob (no bytes), keys in the order OCI tools write them. */
export function descriptorOf(d: OciDescriptor): OciDescriptor {
  return {
    mediaType: d.mediaType,
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    digest: d.digest,
    size: d.size,
    ...(d.annotations && Object.keys(d.annotations).length > 0 ? { annotations: { ...d.annotations } } : {}),
  };
}

export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
export const OCI_INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
