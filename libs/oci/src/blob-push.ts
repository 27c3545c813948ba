import { RetryableError, TerminalError } from '@patch-factory/contracts';
import type { BoundedResponse } from './bounded-fetch';
import { BlobReader, type BlobSource } from './blob-source';
import { OciErrorCode } from './oci-errors';
import { assertRepositoryName, isSha256Digest } from './reference-grammar';
import { isUploadRace, registryErrors } from './registry-error-body';
import { registryFailure } from './registry-status';
import { isRetryableStatus, type RegistryTransport } from './registry-transport';
import { abortableSleep } from './retry-policy';
import { mountScope, pushScope } from './token-scope';
import { uploadLocation, uploadOffset } from './upload-location';

/** How a blob is uploaded. */
export interface PushBlobOptions {
  /** Largest blob sent in one PUT (default 16 MiB); a larger one goes in PATCH chunks. */
  monolithicMaxBytes?: number;
  /** Bytes per PATCH (default 8 MiB, at most 64 MiB). */
  chunkSize?: number;
  /** Try a cross-repository mount from this repository first (falls back to an upload). */
  mountFrom?: string;
  signal?: AbortSignal;
}

/** What became of one blob. */
export type BlobPushOutcome = 'pushed' | 'skipped' | 'mounted';

/** The result of pushBlob. */
export interface BlobPushResult {
  digest: string;
  size: number;
  outcome: BlobPushOutcome;
}

const MIB = 1024 * 1024;

/** The digest `digest`, or TerminalError(oci-invalid-reference). */
export function assertDigest(digest: unknown): string {
  if (!isSha256Digest(digest))
    throw new TerminalError(
      OciErrorCode.invalidReference,
      `the digest ${JSON.stringify(String(digest).slice(0, 80))} is invalid: expected sha256:<64 lower-case hex>`,
    );
  return digest;
}

function checkDigestHeader(res: BoundedResponse, digest: string, what: string): void {
  const header = res.headers.get('docker-content-digest');
  if (header !== null && header !== digest)
    throw new TerminalError(
      OciErrorCode.digestMismatch,
      `${what}: the registry reports digest ${header.slice(0, 80)} instead of ${digest}`,
    );
}

/** True when `repo` holds blob `digest` (`HEAD /v2/<repo>/blobs/<digest>`). */
export async function blobExists(
  t: RegistryTransport,
  name: string,
  digest: string,
  options: { scope?: string; signal?: AbortSignal } = {},
): Promise<boolean> {
  const repo = assertRepositoryName(name);
  assertDigest(digest);
  const what = `checking blob ${digest} in ${repo} at ${t.registry}`;
  const url = new URL(`/v2/${repo}/blobs/${digest}`, t.registry);
  const res = await t.send({
    method: 'HEAD',
    url,
    scope: options.scope ?? pushScope(repo),
    what,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (res.status === 404) return false;
  if (res.status !== 200) throw registryFailure(res.status, what, res.body);
  checkDigestHeader(res, digest, what);
  return true;
}

async function startUpload(t: RegistryTransport, repo: string, what: string, signal?: AbortSignal): Promise<URL> {
  const url = new URL(`/v2/${repo}/blobs/uploads/`, t.registry);
  const res = await t.send({
    method: 'POST',
    url,
    headers: { 'content-length': '0' },
    scope: pushScope(repo),
    what,
    ...(signal ? { signal } : {}),
  });
  if (res.status !== 202) throw registryFailure(res.status, what, res.body);
  return uploadLocation(res.headers.get('location'), t.registry, repo, what);
}

/**
 * Mount blob `digest` of repository `from` into `repo` (`POST ?mount=&from=`): `mounted` when
 * the registry did (201); otherwise the upload session it opened instead (202).
 */
export async function mountBlob(
  t: RegistryTransport,
  name: string,
  digest: string,
  fromName: string,
  signal?: AbortSignal,
): Promise<{ mounted: true } | { mounted: false; location: URL }> {
  const repo = assertRepositoryName(name);
  const from = assertRepositoryName(fromName);
  assertDigest(digest);
  const what = `mounting blob ${digest} from ${from} into ${repo} at ${t.registry}`;
  const url = new URL(`/v2/${repo}/blobs/uploads/`, t.registry);
  url.searchParams.set('mount', digest);
  url.searchParams.set('from', from);
  const res = await t.send({
    method: 'POST',
    url,
    headers: { 'content-length': '0' },
    scope: mountScope(repo, from),
    what,
    ...(signal ? { signal } : {}),
  });
  if (res.status === 201) {
    checkDigestHeader(res, digest, what);
    return { mounted: true };
  }
  if (res.status === 202)
    return { mounted: false, location: uploadLocation(res.headers.get('location'), t.registry, repo, what) };
  throw registryFailure(res.status, what, res.body);
}

/** Where the registry holds an upload (`GET` on its location → 204 + Range), or undefined when the session is gone. */
async function uploadStatus(
  t: RegistryTransport,
  repo: string,
  location: URL,
  what: string,
  signal?: AbortSignal,
): Promise<{ location: URL; offset: number } | undefined> {
  const res = await t.send({
    method: 'GET',
    url: location,
    scope: pushScope(repo),
    what: `${what} (asking the upload's status)`,
    ...(signal ? { signal } : {}),
  });
  if (res.status === 404) return undefined;
  if (res.status !== 204 && res.status !== 200) throw registryFailure(res.status, what, res.body);
  const next = res.headers.get('location');
  return {
    location: next ? uploadLocation(next, t.registry, repo, what) : location,
    offset: uploadOffset(res.headers.get('range')) ?? 0,
  };
}

async function cancelUpload(t: RegistryTransport, repo: string, location: URL, what: string): Promise<void> {
  await t.send({ method: 'DELETE', url: location, scope: pushScope(repo), what, once: true }).catch(() => undefined);
}

/**
 * Upload the bytes of `reader` as blob `digest`: one PUT up to `monolithicMaxBytes`, else
 * PATCH chunks and a final PUT. A 429/5xx/connection failure mid-upload asks the session's
 * status and resumes at the registry's offset, or restarts when the session is gone; at most
 * the transport's attempts. So does a 400 upload race at the final PUT (BLOB_UNKNOWN,
 * DIGEST_INVALID while another session commits the same digest): the blob is then found there. What was read must hash to `digest`, else nothing is committed.
 */
async function upload(
  t: RegistryTransport,
  repo: string,
  reader: BlobReader,
  digest: string,
  start: URL | undefined,
  options: PushBlobOptions,
): Promise<void> {
  const what = `uploading blob ${digest} (${reader.size} bytes) to ${repo} at ${t.registry}`;
  const signal = options.signal;
  const sig = signal ? { signal } : {};
  const size = reader.size;
  const chunkSize = Math.floor(Math.min(64 * MIB, Math.max(1, options.chunkSize ?? 8 * MIB)));
  const monolithic = size <= Math.min(256 * MIB, Math.max(0, options.monolithicMaxBytes ?? 16 * MIB));
  const scope = pushScope(repo);
  let location = start ?? (await startUpload(t, repo, what, signal));
  let offset = 0;
  let failures = 0;
  const maxSteps = Math.ceil(size / chunkSize) + 4 * t.policy.attempts + 4;
  for (let step = 0; step < maxSteps; step++) {
    let res: BoundedResponse | undefined;
    let failure: unknown;
    try {
      if (monolithic || offset >= size) {
        const body = monolithic ? await reader.read(0, size) : Buffer.alloc(0);
        const actual = await reader.digest();
        if (actual !== digest) {
          await cancelUpload(t, repo, location, what);
          throw new TerminalError(
            OciErrorCode.digestMismatch,
            `${what}: the content read hashes to ${actual}, not the declared ${digest}; refused`,
          );
        }
        const url = new URL(location);
        url.searchParams.set('digest', digest);
        res = await t.send({
          method: 'PUT',
          url,
          headers: { 'content-type': 'application/octet-stream' },
          body,
          scope,
          what,
          once: true,
          ...sig,
        });
        if (res.status === 201 || res.status === 204) {
          checkDigestHeader(res, digest, what);
          return;
        }
      } else {
        const body = await reader.read(offset, Math.min(chunkSize, size - offset));
        if (body.length === 0)
          throw new TerminalError(OciErrorCode.digestMismatch, `${what}: the file shrank while it was uploaded`);
        const headers = {
          'content-type': 'application/octet-stream',
          'content-range': `${offset}-${offset + body.length - 1}`,
        };
        res = await t.send({ method: 'PATCH', url: location, headers, body, scope, what, once: true, ...sig });
        if (res.status === 202 || res.status === 204) {
          const next = res.headers.get('location');
          if (next) location = uploadLocation(next, t.registry, repo, what);
          offset = uploadOffset(res.headers.get('range')) ?? offset + body.length;
          continue;
        }
      }
    } catch (error) {
      if (!(error instanceof RetryableError) || signal?.aborted) throw error;
      failure = error;
    }
    // 404: the session is gone; 416: the registry holds another offset; a 400 upload race: another
    // session committing the same digest. Anything else but 429/5xx is final.
    if (
      res &&
      !isRetryableStatus(res.status) &&
      res.status !== 404 &&
      res.status !== 416 &&
      !isUploadRace(res.status, registryErrors(res.body))
    )
      throw registryFailure(res.status, what, res.body);
    failures++;
    if (failures >= t.policy.attempts)
      throw res?.status === 400
        ? registryFailure(res.status, what, res.body)
        : t.exhausted(what, failures, res?.status, failure);
    await abortableSleep(t.delayAfter(failures, res?.headers), signal);
    const state = res?.status === 404 ? undefined : await uploadStatus(t, repo, location, what, signal);
    if (state && state.offset <= size && !(monolithic && state.offset !== 0)) {
      location = state.location;
      offset = state.offset;
      continue;
    }
    if (await blobExists(t, repo, digest, { ...sig })) return;
    location = await startUpload(t, repo, what, signal);
    offset = 0;
  }
  throw new TerminalError(
    OciErrorCode.invalidResponse,
    `${what}: the upload did not finish within ${maxSteps} requests`,
  );
}

/**
 * Push blob `expected.digest` of `source` to `repo`, unless the registry has it already
 * (`skipped`); with `mountFrom`, try a cross-repository mount first (`mounted`). Files are read
 * in chunks and hashed as they are read: content that does not hash to the digest (or has
 * another size than `expected.size`) is refused with TerminalError(oci-digest-mismatch).
 */
export async function pushBlob(
  t: RegistryTransport,
  name: string,
  source: BlobSource,
  expected: { digest: string; size?: number },
  options: PushBlobOptions = {},
): Promise<BlobPushResult> {
  const repo = assertRepositoryName(name);
  const digest = assertDigest(expected.digest);
  const what = `pushing blob ${digest} to ${repo} at ${t.registry}`;
  const reader = await BlobReader.open(source, what);
  try {
    if (expected.size !== undefined && reader.size !== expected.size) {
      throw new TerminalError(
        OciErrorCode.digestMismatch,
        `${what}: the content has ${reader.size} bytes, not the declared ${expected.size}; refused`,
      );
    }
    const sig = options.signal ? { signal: options.signal } : {};
    if (await blobExists(t, repo, digest, sig)) return { digest, size: reader.size, outcome: 'skipped' };
    let location: URL | undefined;
    if (options.mountFrom !== undefined && options.mountFrom !== repo) {
      const mount = await mountBlob(t, repo, digest, options.mountFrom, options.signal);
      if (mount.mounted) return { digest, size: reader.size, outcome: 'mounted' };
      location = mount.location;
    }
    await upload(t, repo, reader, digest, location, options);
    return { digest, size: reader.size, outcome: 'pushed' };
  } finally {
    await reader.close();
  }
}
