import { createHash } from 'node:crypto';
import { TerminalError } from '@patch-factory/contracts';
import { assertManifestReference } from './manifest-reference';
import { MANIFEST_MEDIA_TYPES } from './manifest-media-types';
import { MAX_MANIFEST_BYTES, isMediaType } from './oci-descriptor';
import { OciErrorCode } from './oci-errors';
import { assertRepositoryName, isSha256Digest } from './reference-grammar';
import { registryFailure } from './registry-status';
import type { RegistryTransport } from './registry-transport';
import { pullScope } from './token-scope';

/** A manifest or index as pulled, its digest verified. */
export interface PulledManifest {
  mediaType: string;
  bytes: Buffer;
  digest: string;
}

const ACCEPTED = new Set<string>(MANIFEST_MEDIA_TYPES);

/**
 * `GET /v2/<repo>/manifests/<ref>` (OCI or Docker v2 manifest/index, at most 4 MiB). By digest,
 * the bytes must hash to it; by tag, to the Docker-Content-Digest header when sent
 * (TerminalError oci-digest-mismatch). `scope` lets a writer reuse its push token.
 */
export async function getManifest(
  t: RegistryTransport,
  name: string,
  reference: string,
  options: { signal?: AbortSignal; scope?: string } = {},
): Promise<PulledManifest> {
  const repo = assertRepositoryName(name);
  const ref = assertManifestReference(reference);
  const what = `pulling manifest ${repo}:${ref} from ${t.registry}`;
  const url = new URL(`/v2/${repo}/manifests/${ref}`, t.registry);
  const res = await t.send({
    method: 'GET',
    url,
    headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
    scope: options.scope ?? pullScope(repo),
    what,
    maxBytes: MAX_MANIFEST_BYTES,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (res.status !== 200) throw registryFailure(res.status, what);
  const digest = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
  const header = res.headers.get('docker-content-digest');
  if (isSha256Digest(ref) && digest !== ref)
    throw new TerminalError(
      OciErrorCode.digestMismatch,
      `${what}: the registry sent a manifest hashing to ${digest}; refused`,
    );
  if (header !== null && header !== digest)
    throw new TerminalError(
      OciErrorCode.digestMismatch,
      `${what}: the manifest hashes to ${digest}, not the ${header.slice(0, 80)} the registry reports; refused`,
    );
  let mediaType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (!ACCEPTED.has(mediaType)) {
    let declared: unknown;
    try {
      declared = (JSON.parse(res.body.toString('utf8')) as Record<string, unknown>)['mediaType'];
    } catch {
      declared = undefined;
    }
    if (!isMediaType(declared) || !ACCEPTED.has(declared))
      throw new TerminalError(
        OciErrorCode.invalidResponse,
        `${what}: the registry sent ${JSON.stringify(mediaType.slice(0, 80))}, not an OCI or Docker v2 manifest or index`,
      );
    mediaType = declared;
  }
  return { mediaType, bytes: res.body, digest };
}
