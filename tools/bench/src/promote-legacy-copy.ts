// The copy step of promote as it was before issue 13 (libs/publishing/src/copy-image.ts then),
// kept for bench:promote's baseline only: it walks the whole image, checks every blob, puts every
// manifest again and pushes every referrer of the digest, whether the target has it or not.
import { existingManifest, parseManifest, type RegistryWriter } from '@patch-factory/oci';
import {
  attestationTag,
  buildCosignManifest,
  parseCosignManifest,
  sameLayer,
  signatureTag,
  type OciDescriptor,
} from '@patch-factory/signing';

const MAX_DEPTH = 4;

/** Copies image `digest` with its `.sig`/`.att` and every referrer from `from` to `to`, the old way; returns how many referrers it pushed. */
export async function legacyCopyImage(
  client: RegistryWriter,
  from: string,
  to: string,
  digest: string,
): Promise<number> {
  const copyManifest = async (ref: string, depth: number, tag?: string): Promise<void> => {
    const pulled = await client.getManifest(from, ref);
    const parsed = parseManifest(pulled.bytes, pulled.mediaType, `${from}@${pulled.digest}`);
    if (depth < MAX_DEPTH) for (const child of parsed.manifests) await copyManifest(child.digest, depth + 1);
    for (const blob of parsed.blobs) await copyBlob(client, from, to, blob.digest, blob.size);
    await client.putManifest(to, tag ?? pulled.digest, pulled.bytes, pulled.mediaType);
  };
  await copyManifest(digest, 0);
  for (const tag of [signatureTag(digest), attestationTag(digest)]) {
    const source = await existingManifest(client, from, tag);
    if (source === undefined) continue;
    const target = await existingManifest(client, to, tag);
    if (target === undefined) {
      await copyManifest(tag, 1, tag);
      continue;
    }
    await mergeEvidence(
      client,
      from,
      to,
      tag,
      parseCosignManifest(source, `${from}:${tag}`),
      parseCosignManifest(target, `${to}:${tag}`),
    );
  }
  let referrers = 0;
  for (const referrer of (await client.listReferrers(from, digest)).manifests) {
    const pulled = await client.getManifest(from, referrer.digest);
    const parsed = parseManifest(pulled.bytes, pulled.mediaType, `${from}@${pulled.digest}`);
    for (const blob of parsed.blobs) await copyBlob(client, from, to, blob.digest, blob.size);
    await client.pushReferrer(to, pulled.bytes, pulled.mediaType);
    referrers++;
  }
  return referrers;
}

async function copyBlob(client: RegistryWriter, from: string, to: string, digest: string, size: number): Promise<void> {
  if (await client.blobExists(to, digest)) return;
  if (await client.mountBlob(to, digest, from)) return;
  const bytes = await client.getBlob(from, digest, { maxBytes: Math.max(size, 1) });
  await client.pushBlob(to, { bytes }, { digest, size });
}

async function mergeEvidence(
  client: RegistryWriter,
  from: string,
  to: string,
  tag: string,
  source: OciDescriptor[],
  target: OciDescriptor[],
): Promise<void> {
  const missing = source.filter((l) => !target.some((t) => sameLayer(t, l)));
  if (missing.length === 0) return;
  for (const layer of missing) await copyBlob(client, from, to, layer.digest, layer.size);
  const merged = buildCosignManifest(
    tag,
    target,
    missing.map((l) => ({ ...l, bytes: Buffer.alloc(0) })),
  );
  const config = merged.blobs[0];
  if (config) await client.pushBlob(to, { bytes: config.bytes }, { digest: config.digest, size: config.size });
  await client.putManifest(to, tag, merged.manifest.bytes, merged.manifest.mediaType);
}
