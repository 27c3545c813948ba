import type { RegistryCredentials } from './registry-token';
import type { RetryOptions } from './retry-policy';

/** The tags of one repository, as the registry listed them (hostile: screen before use). */
export interface TagListing {
  /** Each entry as the registry sent it: not necessarily a string, nor a valid tag. */
  tags: unknown[];
  /** True when the listing stopped at `maxTags` or `maxPages` before the registry's end. */
  truncated: boolean;
  /** Pages fetched. */
  pages: number;
}

/** Options of one listing. */
export interface ListTagsOptions {
  /** `n` sent on the first page (the registry may send fewer; default 1000). */
  pageSize?: number;
  /** Most tags kept (default 10 000). */
  maxTags?: number;
  /** Most pages fetched (default 100). */
  maxPages?: number;
  signal?: AbortSignal;
}

/** How a client reaches one registry. */
export interface DistributionClientOptions {
  /** Registry root: https://host[:port], or http:// to a loopback address. */
  registry: string;
  /** Basic credentials, sent to the token realm (or to a Basic-auth registry); never logged. */
  credentials?: RegistryCredentials;
  /** Timeout of each request (default 30 s). */
  timeoutMs?: number;
  /** Largest response body read (default 4 MiB). */
  maxResponseBytes?: number;
  /** Retries of 429, 5xx and connection failures (default: 5 attempts, backoff from 200 ms, Retry-After up to 60 s). */
  retry?: RetryOptions;
}

/**
 * A client of the OCI Distribution API (reads; RegistryWriter adds the rest). Names and tags are
 * validated against the distribution grammar before any request; a 401 with a Bearer challenge
 * is answered with a token from the realm and the request retried once; 429, 5xx and connection
 * failures are retried with backoff (DistributionClientOptions.retry). Throws RetryableError when the registry
 * may answer later and TerminalError (stable `oci-*` codes, see OciErrorCode) otherwise.
 */
export interface DistributionClient {
  /** The registry root (origin) this client talks to. */
  readonly registry: string;
  /** Every tag of repository `name` (`GET /v2/<name>/tags/list`, following `Link: rel="next"`). */
  listTags(name: string, options?: ListTagsOptions): Promise<TagListing>;
  /** The digest (`sha256:<hex>`) tag `tag` of `name` points at (`HEAD /v2/<name>/manifests/<tag>`). */
  resolveTag(name: string, tag: string, signal?: AbortSignal): Promise<string>;
}
