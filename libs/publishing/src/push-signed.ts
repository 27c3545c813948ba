import type { RegistryWriter } from '@patch-factory/oci';
import type { ManifestArtifact } from '@patch-factory/signing';
import type { SignedArtifacts } from './signed-artifacts';

/** What pushSignedArtifacts did. */
export interface PushSignedResult {
  /** The `.sig` / `.att` tags put. */
  tags: string[];
  /** Referrer manifests put, and how the registry lists them (`api`, or the `sha256-<hex>` fallback tag). */
  referrers: { digest: string; via: 'api' | 'tag' }[];
}

async function pushBlobs(
  client: RegistryWriter,
  repo: string,
  artifact: ManifestArtifact,
  signal?: AbortSignal,
): Promise<void> {
  for (const blob of artifact.blobs)
    await client.pushBlob(
      repo,
      { bytes: blob.bytes },
      { digest: blob.digest, size: blob.size },
      signal ? { signal } : {},
    );
}

/**
 * Pushes the signatures and attestations of an image to `repo` (the image must be there or
 * follow): blobs first, then the `.sig`/`.att` manifests under their tags, then each bundle
 * referrer by digest. Idempotent: present blobs are skipped and manifests are content-addressed.
 */
export async function pushSignedArtifacts(
  client: RegistryWriter,
  repo: string,
  artifacts: SignedArtifacts,
  signal?: AbortSignal,
): Promise<PushSignedResult> {
  const result: PushSignedResult = { tags: [], referrers: [] };
  for (const tag of artifacts.tags) {
    await pushBlobs(client, repo, tag, signal);
    await client.putManifest(repo, tag.tag, tag.manifest.bytes, tag.manifest.mediaType, signal);
    result.tags.push(tag.tag);
  }
  for (const referrer of artifacts.referrers) {
    await pushBlobs(client, repo, referrer, signal);
    const pushed = await client.pushReferrer(repo, referrer.manifest.bytes, referrer.manifest.mediaType, signal);
    result.referrers.push({ digest: pushed.digest, via: pushed.via });
  }
  return result;
}
