import { existingManifest, parseManifest, type RegistryWriter } from '@patch-factory/oci';
import {
  attestationTag,
  buildCosignManifest,
  parseCosignManifest,
  sameLayer,
  signatureTag,
  type OciDescriptor,
} from '@patch-factory/signing';

/** What copyImage did. */
export interface CopyImageResult {
  /** Manifests put into the target (none when it had the image already). */
  manifests: number;
  /** Blobs copied (mounted or uploaded); those the target had are not counted. */
  blobs: number;
  /** The `.sig` / `.att` tags copied or extended (absent ones and ones the target has already in full are not). */
  evidenceTags: string[];
  /** Referrers copied: those the target did not list. */
  referrers: number;
  /** Referrers of the digest the target listed already: not copied again. */
  referrersPresent: number;
}

const MAX_DEPTH = 4;

/**
 * Copies image `digest` (an index and its manifests, or one manifest) from `from` to `to` in one
 * registry, byte for byte (the digest stays the same: promotion never rebuilds): blobs by
 * cross-repository mount (uploaded when the registry will not mount), manifests by digest, then
 * its cosign `.sig`/`.att` manifests and its referrers. Idempotent, and a repeat costs little:
 * an image the target has already (its manifest by digest: a registry accepts a manifest only
 * with its blobs and children) is not walked again; the target's referrers of the digest are
 * listed once, and only those missing are copied (with their blobs).
 */
export async function copyImage(
  client: RegistryWriter,
  from: string,
  to: string,
  digest: string,
  signal?: AbortSignal,
): Promise<CopyImageResult> {
  const result: CopyImageResult = { manifests: 0, blobs: 0, evidenceTags: [], referrers: 0, referrersPresent: 0 };
  const copyManifest = async (ref: string, depth: number, tag?: string): Promise<string> => {
    const pulled = await client.getManifest(from, ref, signal);
    const parsed = parseManifest(pulled.bytes, pulled.mediaType, `${from}@${pulled.digest}`);
    if (depth < MAX_DEPTH)
      for (const child of parsed.manifests)
        if (!(await client.hasManifest(to, child.digest, signal))) await copyManifest(child.digest, depth + 1);
    for (const blob of parsed.blobs)
      if (await copyBlob(client, from, to, blob.digest, blob.size, signal)) result.blobs++;
    await client.putManifest(to, tag ?? pulled.digest, pulled.bytes, pulled.mediaType, signal);
    result.manifests++;
    return pulled.digest;
  };
  if (!(await client.hasManifest(to, digest, signal))) await copyManifest(digest, 0);
  for (const tag of [signatureTag(digest), attestationTag(digest)]) {
    const source = await existingManifest(client, from, tag, signal);
    if (source === undefined) continue;
    const target = await existingManifest(client, to, tag, signal);
    if (target === undefined) {
      await copyManifest(tag, 1, tag);
      result.evidenceTags.push(tag);
      continue;
    }
    // The target has signatures of this digest already (an earlier promotion of the same image):
    // keep them and add the staging ones it lacks, never replace.
    if (
      await mergeEvidence(
        client,
        from,
        to,
        tag,
        parseCosignManifest(source, `${from}:${tag}`),
        parseCosignManifest(target, `${to}:${tag}`),
        signal,
      )
    )
      result.evidenceTags.push(tag);
  }
  const present = new Set((await client.listReferrers(to, digest, undefined, signal)).manifests.map((m) => m.digest));
  for (const referrer of (await client.listReferrers(from, digest, undefined, signal)).manifests) {
    if (present.has(referrer.digest)) {
      result.referrersPresent++;
      continue;
    }
    const pulled = await client.getManifest(from, referrer.digest, signal);
    const parsed = parseManifest(pulled.bytes, pulled.mediaType, `${from}@${pulled.digest}`);
    for (const blob of parsed.blobs)
      if (await copyBlob(client, from, to, blob.digest, blob.size, signal)) result.blobs++;
    await client.pushReferrer(to, pulled.bytes, pulled.mediaType, signal);
    present.add(referrer.digest);
    result.referrers++;
  }
  return result;
}

/** Copies one blob unless the target has it; true when it was copied (mounted or uploaded). */
async function copyBlob(
  client: RegistryWriter,
  from: string,
  to: string,
  digest: string,
  size: number,
  signal?: AbortSignal,
): Promise<boolean> {
  if (await client.blobExists(to, digest, signal)) return false;
  if (await client.mountBlob(to, digest, from, signal)) return true;
  const bytes = await client.getBlob(from, digest, { ...(signal ? { signal } : {}), maxBytes: Math.max(size, 1) });
  await client.pushBlob(to, { bytes }, { digest, size }, signal ? { signal } : {});
  return true;
}

/**
 * Adds to the target's `.sig`/`.att` manifest the layers of the source's it lacks (their blobs
 * copied first); true when the target changed. The layers' bytes are in the registry already,
 * so only the new config and manifest are written.
 */
async function mergeEvidence(
  client: RegistryWriter,
  from: string,
  to: string,
  tag: string,
  source: OciDescriptor[],
  target: OciDescriptor[],
  signal?: AbortSignal,
): Promise<boolean> {
  const missing = source.filter((l) => !target.some((t) => sameLayer(t, l)));
  if (missing.length === 0) return false;
  for (const layer of missing) await copyBlob(client, from, to, layer.digest, layer.size, signal);
  const merged = buildCosignManifest(
    tag,
    target,
    missing.map((l) => ({ ...l, bytes: Buffer.alloc(0) })),
  );
  const config = merged.blobs[0];
  if (config)
    await client.pushBlob(
      to,
      { bytes: config.bytes },
      { digest: config.digest, size: config.size },
      signal ? { signal } : {},
    );
  await client.putManifest(to, tag, merged.manifest.bytes, merged.manifest.mediaType, signal);
  return true;
}
