import { createHash } from 'node:crypto';
import { PipelineError, RetryableError, TerminalError } from '@patch-factory/contracts';
import { assertDigest } from './blob-push';
import { getManifest, type PulledManifest } from './manifest-pull';
import { putManifest, putManifestDetailed } from './manifest-push';
import {
  MAX_MANIFEST_BYTES,
  OCI_INDEX,
  isMediaType,
  parseDescriptor,
  parseManifest,
  type OciDescriptor,
} from './oci-descriptor';
import { OciErrorCode } from './oci-errors';
import { assertRepositoryName } from './reference-grammar';
import { registryFailure } from './registry-status';
import type { RegistryTransport } from './registry-transport';
import { pullScope, pushScope } from './token-scope';

/** The referrers of one manifest. */
export interface ReferrersListing {
  manifests: OciDescriptor[];
  /** `api`: the registry's referrers API; `tag`: the OCI 1.1 fallback tag `sha256-<hex>`. */
  via: 'api' | 'tag';
}

/** What pushReferrer did. */
export interface ReferrerPushResult {
  digest: string;
  subject: string;
  via: 'api' | 'tag';
  /** `tag`: whether the fallback index changed (false when the referrer was listed already). */
  indexUpdated: boolean;
}

/** The OCI 1.1 referrers tag schema: the tag of the fallback index of the referrers of `digest`. */
export const referrersTag = (digest: string): string => assertDigest(digest).replace(':', '-');

const notFound = (error: unknown): boolean => error instanceof PipelineError && error.code === OciErrorCode.notFound;

function indexEntries(
  manifest: PulledManifest,
  what: string,
): { raw: unknown[]; descriptors: OciDescriptor[]; json: Record<string, unknown> } | undefined {
  let parsed;
  try {
    parsed = parseManifest(manifest.bytes, manifest.mediaType, what);
  } catch {
    return undefined;
  }
  if (!parsed.isIndex || parsed.mediaType !== OCI_INDEX) return undefined;
  const raw = Array.isArray(parsed.json['manifests']) ? (parsed.json['manifests'] as unknown[]) : [];
  return { raw, descriptors: parsed.manifests, json: parsed.json };
}

const filtered = (list: OciDescriptor[], artifactType?: string) =>
  artifactType === undefined ? list : list.filter((d) => d.artifactType === artifactType);

/**
 * The referrers of `digest` in `repo`: `GET /v2/<repo>/referrers/<digest>` when the registry has
 * the API; otherwise (404, or an answer that is not an OCI index) the index at the fallback tag
 * `sha256-<hex>` (none: an empty list). Filtered by `artifactType` when given.
 */
export async function listReferrers(
  t: RegistryTransport,
  name: string,
  subjectDigest: string,
  options: { artifactType?: string; signal?: AbortSignal } = {},
): Promise<ReferrersListing> {
  const repo = assertRepositoryName(name);
  const digest = assertDigest(subjectDigest);
  const sig = options.signal ? { signal: options.signal } : {};
  const what = `listing the referrers of ${digest} in ${repo} at ${t.registry}`;
  const url = new URL(`/v2/${repo}/referrers/${digest}`, t.registry);
  if (options.artifactType !== undefined) {
    if (!isMediaType(options.artifactType))
      throw new TerminalError(
        OciErrorCode.invalidReference,
        `${what}: the artifactType ${JSON.stringify(String(options.artifactType).slice(0, 80))} is not a media type`,
      );
    url.searchParams.set('artifactType', options.artifactType);
  }
  const res = await t.send({
    method: 'GET',
    url,
    headers: { accept: OCI_INDEX },
    scope: pullScope(repo),
    what,
    maxBytes: MAX_MANIFEST_BYTES,
    ...sig,
  });
  if (res.status === 200) {
    const type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const entries =
      type === OCI_INDEX ? indexEntries({ mediaType: type, bytes: res.body, digest: '' }, what) : undefined;
    if (entries) return { manifests: filtered(entries.descriptors, options.artifactType), via: 'api' };
  } else if (res.status !== 404 && res.status !== 400 && res.status !== 405) {
    throw registryFailure(res.status, what);
  }
  let fallback: PulledManifest;
  try {
    fallback = await getManifest(t, repo, referrersTag(digest), sig);
  } catch (error) {
    if (notFound(error)) return { manifests: [], via: 'tag' };
    throw error;
  }
  const entries = indexEntries(fallback, what);
  if (!entries)
    throw new TerminalError(
      OciErrorCode.invalidResponse,
      `${what}: the tag ${referrersTag(digest)} holds something other than an OCI image index`,
    );
  return { manifests: filtered(entries.descriptors, options.artifactType), via: 'tag' };
}

/**
 * Push a manifest that has a `subject` by its digest. When the registry does not answer with
 * `OCI-Subject` (no referrers API), add its descriptor (mediaType, digest, size, artifactType,
 * annotations) to the fallback index at tag `sha256-<subject hex>`, keeping the entries there and
 * adding none twice. Writes of one index are serialised in this process, and the index is read
 * back after each write, so an entry a racing writer dropped is added again (bounded; RetryableError
 * when writers keep replacing it). Writers in other processes can still race: the registry offers no
 * conditional write.
 */
export async function pushReferrer(
  t: RegistryTransport,
  name: string,
  bytes: Buffer,
  mediaType: string,
  signal?: AbortSignal,
): Promise<ReferrerPushResult> {
  const repo = assertRepositoryName(name);
  const sig = signal ? { signal } : {};
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const what = `pushing referrer ${digest} to ${repo} at ${t.registry}`;
  const parsed = parseManifest(bytes, mediaType, what);
  if (!parsed.subject)
    throw new TerminalError(
      OciErrorCode.invalidReference,
      `${what}: the manifest has no subject, so it refers to nothing`,
    );
  const subject = parsed.subject.digest;
  const put = await putManifestDetailed(t, repo, digest, bytes, mediaType, signal);
  if (put.subject !== undefined) return { digest, subject, via: 'api', indexUpdated: false };
  const tag = referrersTag(subject);
  const artifactType =
    parsed.artifactType ?? (parsed.json['config'] ? parseDescriptor(parsed.json['config'], what).mediaType : undefined);
  const entry: OciDescriptor = {
    mediaType: parsed.mediaType,
    digest,
    size: bytes.length,
    ...(artifactType ? { artifactType } : {}),
    ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
  };
  // One writer of a fallback index at a time in this process; across processes, read back after
  // the write: an entry another writer dropped is added again.
  return withIndexLock(`${t.registry}/${repo}:${tag}`, async () => {
    let updated = false;
    for (let round = 0; round < FALLBACK_ROUNDS; round++) {
      const current = await fallbackIndex(t, repo, tag, what, sig);
      if (current.descriptors.some((d) => d.digest === digest))
        return { digest, subject, via: 'tag' as const, indexUpdated: updated };
      const index = Buffer.from(
        JSON.stringify({ ...current.json, schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...current.raw, entry] }),
      );
      await putManifest(t, repo, tag, index, OCI_INDEX, signal);
      updated = true;
    }
    const last = await fallbackIndex(t, repo, tag, what, sig);
    if (!last.descriptors.some((d) => d.digest === digest)) {
      throw new RetryableError(
        OciErrorCode.unavailable,
        `${what}: other writers kept replacing the referrers index ${tag}; the entry was not kept after ${FALLBACK_ROUNDS} writes`,
      );
    }
    return { digest, subject, via: 'tag' as const, indexUpdated: true };
  });
}

/** The fallback-index writes in flight in this process, by registry, repository and tag. */
const indexLocks = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier write of the same index in this process. */
async function withIndexLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = indexLocks.get(key) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(work);
  indexLocks.set(key, mine);
  try {
    return await mine;
  } finally {
    if (indexLocks.get(key) === mine) indexLocks.delete(key);
  }
}

/** Writes of the fallback index before giving up on racing writers. */
const FALLBACK_ROUNDS = 5;

/** The fallback index at `tag` (an empty one when the tag does not exist); refuses a tag that holds anything else. */
async function fallbackIndex(
  t: RegistryTransport,
  repo: string,
  tag: string,
  what: string,
  sig: { signal?: AbortSignal },
): Promise<{ raw: unknown[]; json: Record<string, unknown>; descriptors: OciDescriptor[] }> {
  try {
    const current = await getManifest(t, repo, tag, { ...sig, scope: pushScope(repo) });
    const entries = indexEntries(current, what);
    if (!entries)
      throw new TerminalError(
        OciErrorCode.invalidResponse,
        `${what}: the tag ${tag} holds something other than an OCI image index; refusing to overwrite it`,
      );
    return entries;
  } catch (error) {
    if (!notFound(error)) throw error;
    return { raw: [], json: { schemaVersion: 2, mediaType: OCI_INDEX }, descriptors: [] };
  }
}
