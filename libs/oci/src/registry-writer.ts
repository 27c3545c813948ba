import type { BlobSource } from './blob-source';
import type { GetBlobOptions } from './blob-pull';
import type { BlobPushResult, PushBlobOptions } from './blob-push';
import type { DistributionClient } from './distribution-client';
import type { PulledManifest } from './manifest-pull';
import type { ReferrerPushResult, ReferrersListing } from './referrers';

/**
 * The read/write half of the OCI Distribution API a publisher needs: blobs (HEAD, resumable
 * upload, cross-repository mount, verified download), manifests (put/get with digest checks) and
 * referrers (the OCI 1.1 API, or its `sha256-<hex>` tag fallback). Writes ask for the token scope
 * `repository:<name>:pull,push` (a mount adds `repository:<from>:pull`). Every digest is
 * `sha256:<64 hex>`; content that does not hash to its digest is refused with
 * TerminalError(oci-digest-mismatch). Retries as DistributionClient.
 */
export interface RegistryWriter extends DistributionClient {
  /** True when `repo` holds blob `digest` (`HEAD /v2/<repo>/blobs/<digest>`). */
  blobExists(repo: string, digest: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * Push one blob unless present (`skipped`), mounting it from `options.mountFrom` when it can
   * (`mounted`); monolithic under `monolithicMaxBytes`, chunked above, resumed after a failure.
   */
  pushBlob(
    repo: string,
    source: BlobSource,
    expected: { digest: string; size?: number },
    options?: PushBlobOptions,
  ): Promise<BlobPushResult>;
  /** Cross-repository mount: true when mounted (201); false when the registry opened an upload instead (202; the session is cancelled). */
  mountBlob(repo: string, digest: string, from: string, signal?: AbortSignal): Promise<boolean>;
  /** Blob `digest` in memory (default cap 64 MiB), verified. */
  getBlob(repo: string, digest: string, options?: GetBlobOptions): Promise<Buffer>;
  /** Blob `digest` written to `path` (streamed, verified, renamed into place); returns its size. */
  getBlobToFile(repo: string, digest: string, path: string, options?: GetBlobOptions): Promise<number>;
  /** Put a manifest or index under a tag or its digest; returns its digest. */
  putManifest(
    repo: string,
    tagOrDigest: string,
    bytes: Buffer,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<string>;
  /** True when `repo` holds manifest `digest` (`HEAD /v2/<repo>/manifests/<digest>`). */
  hasManifest(repo: string, digest: string, signal?: AbortSignal): Promise<boolean>;
  /** Get a manifest or index by tag or digest, verified. */
  getManifest(repo: string, tagOrDigest: string, signal?: AbortSignal): Promise<PulledManifest>;
  /** The referrers of `digest` (API, else the fallback tag), optionally of one artifactType. */
  listReferrers(repo: string, digest: string, artifactType?: string, signal?: AbortSignal): Promise<ReferrersListing>;
  /** Push a manifest with a `subject` by digest, keeping the fallback tag's index when the registry lacks the referrers API. */
  pushReferrer(
    repo: string,
    manifestBytes: Buffer,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<ReferrerPushResult>;
}
