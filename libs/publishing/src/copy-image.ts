import { parseManifest, type RegistryWriter } from '@patch-factory/oci';
import { attestationTag, signatureTag } from '@patch-factory/signing';
import { existingManifest } from './existing-manifest';

/** What copyImage did. */
export interface CopyImageResult {
  manifests: number;
  blobs: number;
  /** The `.sig` / `.att` tags copied (absent ones and ones the target has already are not). */
  evidenceTags: string[];
  referrers: number;
}

const MAX_DEPTH = 4;

/**
 * Copies image `digest` (an index and its manifests, or one manifest) from `from` to `to` in one
 * registry, byte for byte (the digest stays the same: promotion never rebuilds): blobs by
 * cross-repository mount (uploaded when the registry will not mount), manifests by digest, then
 * its cosign `.sig`/`.att` manifests and its referrers. Idempotent.
 */
export async function copyImage(client: RegistryWriter, from: string, to: string, digest: string, signal?: AbortSignal): Promise<CopyImageResult> {
  const result: CopyImageResult = { manifests: 0, blobs: 0, evidenceTags: [], referrers: 0 };
  const copyManifest = async (ref: string, depth: number, tag?: string): Promise<string> => {
    const pulled = await client.getManifest(from, ref, signal);
    const parsed = parseManifest(pulled.bytes, pulled.mediaType, `${from}@${pulled.digest}`);
    if (depth < MAX_DEPTH) for (const child of parsed.manifests) await copyManifest(child.digest, depth + 1);
    for (const blob of parsed.blobs) {
      await copyBlob(client, from, to, blob.digest, blob.size, signal);
      result.blobs++;
    }
    await client.putManifest(to, tag ?? pulled.digest, pulled.bytes, pulled.mediaType, signal);
    result.manifests++;
    return pulled.digest;
  };
  await copyManifest(digest, 0);
  for (const tag of [signatureTag(digest), attestationTag(digest)]) {
    if ((await existingManifest(client, from, tag, signal)) === undefined) continue;
    // The target's own signatures of this digest (an earlier promotion) are kept, never replaced.
    if ((await existingManifest(client, to, tag, signal)) !== undefined) continue;
    await copyManifest(tag, 1, tag);
    result.evidenceTags.push(tag);
  }
  for (const referrer of (await client.listReferrers(from, digest, undefined, signal)).manifests) {
    const pulled = await client.getManifest(from, referrer.digest, signal);
    const parsed = parseManifest(pulled.bytes, pulled.mediaType, `${from}@${pulled.digest}`);
    for (const blob of parsed.blobs) await copyBlob(client, from, to, blob.digest, blob.size, signal);
    await client.pushReferrer(to, pulled.bytes, pulled.mediaType, signal);
    result.referrers++;
  }
  return result;
}

async function copyBlob(client: RegistryWriter, from: string, to: string, digest: string, size: number, signal?: AbortSignal): Promise<void> {
  if (await client.blobExists(to, digest, signal)) return;
  if (await client.mountBlob(to, digest, from, signal)) return;
  const bytes = await client.getBlob(from, digest, { ...(signal ? { signal } : {}), maxBytes: Math.max(size, 1) });
  await client.pushBlob(to, { bytes }, { digest, size }, signal ? { signal } : {});
}

