/** Stable kebab-case codes of the failures this lib raises (rule 5 of DESIGN.md). */
export const OciErrorCode = {
  /** A registry URL is not https://host[:port] (or http:// to a loopback address). */
  invalidRegistry: 'oci-invalid-registry',
  /** A repository name, tag or digest breaks the OCI distribution grammar. */
  invalidReference: 'oci-invalid-reference',
  /** The registry (or its token server) failed or could not be reached: may pass. */
  unavailable: 'oci-unavailable',
  /** The registry asks us to slow down (429). */
  rateLimited: 'oci-rate-limited',
  /** The registry or its token server refused the credentials (401/403 after the challenge). */
  auth: 'oci-auth',
  /** The repository or tag does not exist (404). */
  notFound: 'oci-not-found',
  /** The registry answered something this client does not accept (bad JSON, headers, status, redirect, size). */
  invalidResponse: 'oci-invalid-response',
  /** Content (a blob or manifest, read locally or pulled) whose sha256 or size is not the one declared. */
  digestMismatch: 'oci-digest-mismatch',
  /** An OCI image layout directory that is malformed, ambiguous or names a path outside blobs/sha256/. */
  invalidLayout: 'oci-invalid-layout',
} as const;

export type OciErrorCodeValue = (typeof OciErrorCode)[keyof typeof OciErrorCode];

/** Stable codes of the reader of an image in an OCI image layout (`readImageLayout`, `readImageRootFs`). */
export const LayoutReadErrorCode = {
  /** index.json, an index, a manifest or a config is missing or malformed. */
  layoutInvalid: 'image-layout-invalid',
  /** A blob's bytes do not have the digest or size its descriptor gives. */
  blobMismatch: 'image-blob-mismatch',
  /** A blob, a layer or the whole file system is larger than the reader allows. */
  tooLarge: 'image-layout-too-large',
  /** The layout has no image for the asked tag or platform (or several, and none was asked). */
  notFound: 'image-not-found',
  /** A layer's tar is broken or holds an entry escaping the root (`..`, a bad whiteout). */
  layerInvalid: 'image-layer-invalid',
} as const;
export type LayoutReadErrorCode = (typeof LayoutReadErrorCode)[keyof typeof LayoutReadErrorCode];

/**
 * The codes a tar archive's failures are raised with (`readTar`): each reader of archives names
 * its own (a package's tar is `build-deb-invalid`, an image layer's `tar-invalid`).
 */
export interface TarErrorCodes {
  /** A broken header, size, checksum or pax record, or too many entries. */
  invalid: string;
  /** An entry escaping the root: `..`, an absolute path, a link outside, a write through a symlink. */
  unsafe: string;
  /** A device, fifo or unknown entry type. */
  unsupported: string;
}

/** The codes of `readTar` when its caller names none. */
export const TarErrorCode = {
  invalid: 'tar-invalid',
  unsafe: 'tar-unsafe-entry',
  unsupported: 'tar-unsupported-entry',
} as const satisfies TarErrorCodes;
