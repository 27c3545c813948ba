import { createHash } from 'node:crypto';
import { TerminalError } from '@patch-factory/contracts';
import type { BoundedResponse } from './bounded-fetch';
import { getBlob, getBlobToFile, type GetBlobOptions } from './blob-pull';
import { assertDigest, blobExists, mountBlob, pushBlob, type BlobPushResult, type PushBlobOptions } from './blob-push';
import type { BlobSource } from './blob-source';
import type { DistributionClientOptions, ListTagsOptions, TagListing } from './distribution-client';
import { nextLink } from './link-header';
import { MANIFEST_MEDIA_TYPES } from './manifest-media-types';
import { getManifest, type PulledManifest } from './manifest-pull';
import { putManifest } from './manifest-push';
import { OciErrorCode } from './oci-errors';
import { assertRepositoryName, assertTag, isSha256Digest } from './reference-grammar';
import { listReferrers, pushReferrer, type ReferrerPushResult, type ReferrersListing } from './referrers';
import { registryFailure } from './registry-status';
import { RegistryTransport } from './registry-transport';
import { parseRegistryUrl } from './registry-url';
import type { RegistryWriter } from './registry-writer';
import { pullScope, pushScope } from './token-scope';

/** The Distribution API client over `fetch` (see DistributionClient and RegistryWriter). One instance caches tokens for its lifetime. */
export class RegistryClient implements RegistryWriter {
  readonly registry: string;
  /** Auth and retries of every request (shared by the blob, manifest and referrer operations). */
  readonly transport: RegistryTransport;

  constructor(options: DistributionClientOptions) {
    this.registry = parseRegistryUrl(options.registry);
    this.transport = new RegistryTransport({
      registry: this.registry,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      timeoutMs: options.timeoutMs ?? 30_000,
      maxResponseBytes: options.maxResponseBytes ?? 4 * 1024 * 1024,
      ...(options.retry ? { retry: options.retry } : {}),
    });
  }

  async listTags(name: string, options: ListTagsOptions = {}): Promise<TagListing> {
    const repo = assertRepositoryName(name);
    const maxTags = options.maxTags ?? 10_000;
    const maxPages = options.maxPages ?? 100;
    const path = `/v2/${repo}/tags/list`;
    let url: URL | undefined = new URL(path, this.registry);
    url.searchParams.set('n', String(Math.max(1, Math.min(options.pageSize ?? 1000, 10_000))));
    const seen = new Set<string>();
    const tags: unknown[] = [];
    let pages = 0;
    while (url) {
      if (pages >= maxPages || tags.length >= maxTags) return { tags, truncated: true, pages };
      seen.add(url.href);
      const what = `listing the tags of ${repo} at ${this.registry}`;
      const res = await this.send(repo, url, 'GET', { accept: 'application/json' }, what, options.signal);
      if (res.status !== 200) throw registryFailure(res.status, what);
      pages++;
      for (const tag of parseTagPage(res.body, what)) {
        if (tags.length >= maxTags) return { tags, truncated: true, pages };
        tags.push(tag);
      }
      url = nextLink(res.headers.get('link'), this.registry);
      if (url && (url.origin !== this.registry || url.pathname !== path || url.username || url.password || url.hash)) {
        throw new TerminalError(
          OciErrorCode.invalidResponse,
          `${what}: the next page link leaves the repository's tag list`,
        );
      }
      if (url && seen.has(url.href))
        throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the next page link loops`);
    }
    return { tags, truncated: false, pages };
  }

  async resolveTag(name: string, tag: string, signal?: AbortSignal): Promise<string> {
    const repo = assertRepositoryName(name);
    const ref = assertTag(tag);
    const url = new URL(`/v2/${repo}/manifests/${ref}`, this.registry);
    const what = `resolving ${repo}:${ref} at ${this.registry}`;
    const accept = { accept: MANIFEST_MEDIA_TYPES.join(', ') };
    const head = await this.send(repo, url, 'HEAD', accept, what, signal);
    if (head.status !== 200) throw registryFailure(head.status, what);
    const header = head.headers.get('docker-content-digest');
    if (header !== null) {
      if (!isSha256Digest(header))
        throw new TerminalError(
          OciErrorCode.invalidResponse,
          `${what}: the registry sent a Docker-Content-Digest that is not sha256:<64 hex>`,
        );
      return header;
    }
    // No digest header: fetch the manifest (bounded) and hash it ourselves.
    const get = await this.send(repo, url, 'GET', accept, what, signal);
    if (get.status !== 200) throw registryFailure(get.status, what);
    return `sha256:${createHash('sha256').update(get.body).digest('hex')}`;
  }

  blobExists(repo: string, digest: string, signal?: AbortSignal): Promise<boolean> {
    return blobExists(this.transport, repo, digest, signal ? { signal } : {});
  }

  pushBlob(
    repo: string,
    source: BlobSource,
    expected: { digest: string; size?: number },
    options?: PushBlobOptions,
  ): Promise<BlobPushResult> {
    return pushBlob(this.transport, repo, source, expected, options);
  }

  async mountBlob(repo: string, digest: string, from: string, signal?: AbortSignal): Promise<boolean> {
    const result = await mountBlob(this.transport, repo, digest, from, signal);
    if (result.mounted) return true;
    await this.transport
      .send({
        method: 'DELETE',
        url: result.location,
        scope: pushScope(assertRepositoryName(repo)),
        what: `cancelling an upload to ${repo}`,
        once: true,
      })
      .catch(() => undefined);
    return false;
  }

  getBlob(repo: string, digest: string, options?: GetBlobOptions): Promise<Buffer> {
    return getBlob(this.transport, repo, digest, options);
  }

  getBlobToFile(repo: string, digest: string, path: string, options?: GetBlobOptions): Promise<number> {
    return getBlobToFile(this.transport, repo, digest, path, options);
  }

  putManifest(
    repo: string,
    tagOrDigest: string,
    bytes: Buffer,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<string> {
    return putManifest(this.transport, repo, tagOrDigest, bytes, mediaType, signal);
  }

  async hasManifest(name: string, digest: string, signal?: AbortSignal): Promise<boolean> {
    const repo = assertRepositoryName(name);
    const ref = assertDigest(digest);
    const what = `checking manifest ${ref} in ${repo} at ${this.registry}`;
    const res = await this.send(
      repo,
      new URL(`/v2/${repo}/manifests/${ref}`, this.registry),
      'HEAD',
      { accept: MANIFEST_MEDIA_TYPES.join(', ') },
      what,
      signal,
    );
    if (res.status === 404) return false;
    if (res.status !== 200) throw registryFailure(res.status, what);
    return true;
  }

  getManifest(repo: string, tagOrDigest: string, signal?: AbortSignal): Promise<PulledManifest> {
    return getManifest(this.transport, repo, tagOrDigest, signal ? { signal } : {});
  }

  listReferrers(repo: string, digest: string, artifactType?: string, signal?: AbortSignal): Promise<ReferrersListing> {
    return listReferrers(this.transport, repo, digest, {
      ...(artifactType !== undefined ? { artifactType } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  pushReferrer(
    repo: string,
    manifestBytes: Buffer,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<ReferrerPushResult> {
    return pushReferrer(this.transport, repo, manifestBytes, mediaType, signal);
  }

  /** One read of repository `repo` (auth and retries: RegistryTransport). */
  private send(
    repo: string,
    url: URL,
    method: 'GET' | 'HEAD',
    headers: Record<string, string>,
    what: string,
    signal?: AbortSignal,
  ): Promise<BoundedResponse> {
    return this.transport.send({ method, url, headers, scope: pullScope(repo), what, ...(signal ? { signal } : {}) });
  }
}

/** The `tags` of one tags/list page (`null` is an empty repository). */
function parseTagPage(body: Buffer, what: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the tag list is not JSON`);
  }
  const tags = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['tags'] : undefined;
  if (tags === null) return [];
  if (!Array.isArray(tags))
    throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the tag list has no "tags" array`);
  return tags as unknown[];
}
