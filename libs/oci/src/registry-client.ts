import { createHash } from 'node:crypto';
import { TerminalError } from '@patch-factory/contracts';
import { parseAuthChallenge } from './bearer-challenge';
import { boundedFetch, type BoundedResponse } from './bounded-fetch';
import type { DistributionClient, DistributionClientOptions, ListTagsOptions, TagListing } from './distribution-client';
import { nextLink } from './link-header';
import { MANIFEST_MEDIA_TYPES } from './manifest-media-types';
import { OciErrorCode } from './oci-error-code';
import { assertRepositoryName, assertTag, isSha256Digest } from './reference-grammar';
import { registryFailure } from './registry-status';
import { basicAuthorization, fetchRegistryToken, type RegistryCredentials } from './registry-token';
import { parseRegistryUrl } from './registry-url';

const USER_AGENT = 'patch-factory-oci';

/** The Distribution API client over `fetch` (see DistributionClient). One instance caches tokens for its lifetime. */
export class RegistryClient implements DistributionClient {
  readonly registry: string;
  private readonly credentials: RegistryCredentials | undefined;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  /** `Authorization` value per repository, learnt from a challenge. */
  private readonly authorization = new Map<string, string>();

  constructor(options: DistributionClientOptions) {
    this.registry = parseRegistryUrl(options.registry);
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
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
        throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the next page link leaves the repository's tag list`);
      }
      if (url && seen.has(url.href)) throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the next page link loops`);
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
      if (!isSha256Digest(header)) throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the registry sent a Docker-Content-Digest that is not sha256:<64 hex>`);
      return header;
    }
    // No digest header: fetch the manifest (bounded) and hash it ourselves.
    const get = await this.send(repo, url, 'GET', accept, what, signal);
    if (get.status !== 200) throw registryFailure(get.status, what);
    return `sha256:${createHash('sha256').update(get.body).digest('hex')}`;
  }

  /** One request for repository `repo`, answering an auth challenge once. */
  private async send(repo: string, url: URL, method: 'GET' | 'HEAD', headers: Record<string, string>, what: string, signal?: AbortSignal): Promise<BoundedResponse> {
    const request = (authorization: string | undefined): Promise<BoundedResponse> =>
      boundedFetch({
        url,
        method,
        headers: { 'user-agent': USER_AGENT, ...headers, ...(authorization ? { authorization } : {}) },
        timeoutMs: this.timeoutMs,
        maxBytes: this.maxBytes,
        ...(signal ? { signal } : {}),
        what,
      });
    const known = this.authorization.get(repo);
    const res = await request(known);
    if (res.status !== 401) return res;
    const challenge = parseAuthChallenge(res.headers.get('www-authenticate'));
    let authorization: string;
    if (challenge?.scheme === 'bearer') {
      const token = await fetchRegistryToken({
        challenge,
        defaultScope: `repository:${repo}:pull`,
        ...(this.credentials ? { credentials: this.credentials } : {}),
        timeoutMs: this.timeoutMs,
        ...(signal ? { signal } : {}),
      });
      authorization = `Bearer ${token}`;
    } else if (challenge?.scheme === 'basic' && this.credentials) {
      authorization = basicAuthorization(this.credentials);
    } else {
      return res;
    }
    if (authorization === known) return res;
    this.authorization.set(repo, authorization);
    return request(authorization);
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
  if (!Array.isArray(tags)) throw new TerminalError(OciErrorCode.invalidResponse, `${what}: the tag list has no "tags" array`);
  return tags as unknown[];
}
