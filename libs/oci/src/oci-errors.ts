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
