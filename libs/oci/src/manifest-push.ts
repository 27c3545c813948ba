import { createHash } from 'node:crypto';
import { TerminalError } from '@patch-factory/contracts';
import { assertManifestReference } from './manifest-reference';
import { MANIFEST_MEDIA_TYPES } from './manifest-media-types';
import { MAX_MANIFEST_BYTES } from './oci-descriptor';
import { OciErrorCode } from './oci-errors';
import { assertRepositoryName, isSha256Digest } from './reference-grammar';
import type { BoundedResponse } from './bounded-fetch';
import { isUploadRace, registryErrors } from './registry-error-body';
import { registryFailure } from './registry-status';
import { abortableSleep } from './retry-policy';
import type { RegistryTransport } from './registry-transport';
import { pushScope } from './token-scope';

/** What a manifest put answered. */
export interface ManifestPutResult {
  digest: string;
  /** The registry's `OCI-Subject` header: present when it indexed the manifest's subject (referrers API). */
  subject?: string;
}

const ACCEPTED = new Set<string>(MANIFEST_MEDIA_TYPES);

/**
 * `PUT /v2/<repo>/manifests/<ref>` of `bytes` (at most 4 MiB) as `mediaType` (OCI or Docker v2
 * manifest/index). A digest `ref` must be the sha256 of the bytes; the registry's
 * Docker-Content-Digest, when sent, must be too (TerminalError oci-digest-mismatch). A 400 whose
 * error codes are only MANIFEST_BLOB_UNKNOWN / BLOB_UNKNOWN / DIGEST_INVALID (a concurrent upload
 * of the same content landing) is retried with backoff, at most the transport's attempts; any
 * other 400 (MANIFEST_INVALID, NAME_INVALID, TAG_INVALID…) is a TerminalError naming the
 * registry's code and message.
 */
export async function putManifestDetailed(
  t: RegistryTransport,
  name: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
  signal?: AbortSignal,
): Promise<ManifestPutResult> {
  const repo = assertRepositoryName(name);
  const ref = assertManifestReference(reference);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const what = `pushing manifest ${repo}:${ref} to ${t.registry}`;
  if (!ACCEPTED.has(mediaType))
    throw new TerminalError(
      OciErrorCode.invalidReference,
      `${what}: the media type ${JSON.stringify(mediaType.slice(0, 80))} is not an OCI or Docker v2 manifest or index`,
    );
  if (bytes.length > MAX_MANIFEST_BYTES)
    throw new TerminalError(
      OciErrorCode.invalidReference,
      `${what}: the manifest has ${bytes.length} bytes, more than the ${MAX_MANIFEST_BYTES} registries accept`,
    );
  if (isSha256Digest(ref) && ref !== digest)
    throw new TerminalError(
      OciErrorCode.digestMismatch,
      `${what}: the manifest hashes to ${digest}, not the digest it is pushed under`,
    );
  const url = new URL(`/v2/${repo}/manifests/${ref}`, t.registry);
  let res: BoundedResponse;
  // A 400 naming only blobs the registry does not have yet (another push of the same content
  // landing) is retried with the transport's backoff, a bounded number of times; any other 400 is final.
  for (let attempt = 1; ; attempt++) {
    res = await t.send({
      method: 'PUT',
      url,
      headers: { 'content-type': mediaType },
      body: bytes,
      scope: pushScope(repo),
      what,
      ...(signal ? { signal } : {}),
    });
    if (res.status === 201 || res.status === 200 || res.status === 204) break;
    if (!isUploadRace(res.status, registryErrors(res.body)) || attempt >= t.policy.attempts)
      throw registryFailure(res.status, what, res.body);
    await abortableSleep(t.delayAfter(attempt, res.headers), signal);
  }
  const header = res.headers.get('docker-content-digest');
  if (header !== null && header !== digest)
    throw new TerminalError(
      OciErrorCode.digestMismatch,
      `${what}: the registry reports digest ${header.slice(0, 80)} instead of ${digest}`,
    );
  const subject = res.headers.get('oci-subject');
  return { digest, ...(subject !== null && isSha256Digest(subject) ? { subject } : {}) };
}

/** putManifestDetailed, returning the digest only. */
export async function putManifest(
  t: RegistryTransport,
  repo: string,
  ref: string,
  bytes: Buffer,
  mediaType: string,
  signal?: AbortSignal,
): Promise<string> {
  return (await putManifestDetailed(t, repo, ref, bytes, mediaType, signal)).digest;
}
