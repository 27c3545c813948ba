import { TerminalError } from '@patch-factory/contracts';
import type { BlobPushOutcome, PushBlobOptions } from './blob-push';
import { boundedPool } from './bounded-pool';
import type { OciDescriptor } from './oci-descriptor';
import { OciErrorCode } from './oci-errors';
import { layoutBlobPath, readLayoutIndex, readLayoutManifest, selectLayoutManifest } from './oci-layout';
import { assertRepositoryName, assertTag } from './reference-grammar';
import type { RegistryWriter } from './registry-writer';

/** How a layout is pushed. */
export interface PushLayoutOptions {
  /** The `org.opencontainers.image.ref.name` of the index.json entry to push (needed when it lists several). */
  refName?: string;
  /** Mount blobs from this repository of the same registry when it has them. */
  mountFrom?: string;
  /** Blobs in flight at once (default 4). */
  concurrency?: number;
  /** Upload tuning (monolithic threshold, chunk size). */
  upload?: Pick<PushBlobOptions, 'monolithicMaxBytes' | 'chunkSize'>;
  signal?: AbortSignal;
  /** Called after each blob is pushed, skipped or mounted (progress of a long push). */
  onBlob?: (blob: BlobProgress) => void;
}

/** One blob of a layout push done: which, what became of it, how many of how many are done. */
export interface BlobProgress {
  digest: string;
  size: number;
  outcome: BlobPushOutcome;
  done: number;
  total: number;
}

/** What pushLayout did. */
export interface PushLayoutResult {
  /** Digest of the manifest or index now at the tag. */
  digest: string;
  mediaType: string;
  /** Manifests put (children by digest, then the top one under the tag). */
  manifests: number;
  blobs: { pushed: number; skipped: number; mounted: number };
  /** Bytes of the blobs uploaded (not those skipped or mounted). */
  bytesPushed: number;
}

/** Most levels of nested indexes followed. */
const MAX_DEPTH = 4;
/** Most manifests and blobs in one image. */
const MAX_ITEMS = 10_000;

/**
 * Push the image of the OCI image layout `layoutDir` as `repo:tag`: every blob (bounded
 * concurrency; present ones skipped; mounted from `mountFrom` when possible), then the child
 * manifests by digest, then the top manifest or index under `tag`. Every file read is checked
 * against its descriptor's sha256 and size; blob paths are `blobs/sha256/<64 hex>` only.
 * Idempotent: pushing twice uploads nothing the second time.
 */
export async function pushLayout(
  client: RegistryWriter,
  layoutDir: string,
  name: string,
  tagName: string,
  options: PushLayoutOptions = {},
): Promise<PushLayoutResult> {
  const repo = assertRepositoryName(name);
  const tag = assertTag(tagName);
  const top = selectLayoutManifest(layoutDir, await readLayoutIndex(layoutDir), options.refName);
  const manifests: { desc: OciDescriptor; bytes: Buffer }[] = [];
  const blobs = new Map<string, OciDescriptor>();
  const seen = new Set<string>();
  const walk = async (desc: OciDescriptor, depth: number): Promise<void> => {
    if (seen.has(desc.digest)) return;
    seen.add(desc.digest);
    if (depth > MAX_DEPTH)
      throw new TerminalError(
        OciErrorCode.invalidLayout,
        `the OCI image layout ${layoutDir} nests indexes more than ${MAX_DEPTH} deep`,
      );
    if (seen.size + blobs.size > MAX_ITEMS)
      throw new TerminalError(
        OciErrorCode.invalidLayout,
        `the OCI image layout ${layoutDir} has more than ${MAX_ITEMS} manifests and blobs`,
      );
    const { bytes, parsed } = await readLayoutManifest(layoutDir, desc);
    for (const child of parsed.manifests) await walk(child, depth + 1);
    for (const blob of parsed.blobs) blobs.set(blob.digest, blob);
    manifests.push({ desc, bytes });
  };
  await walk(top, 0);

  const result: PushLayoutResult = {
    digest: top.digest,
    mediaType: top.mediaType,
    manifests: 0,
    blobs: { pushed: 0, skipped: 0, mounted: 0 },
    bytesPushed: 0,
  };
  const sig = options.signal ? { signal: options.signal } : {};
  let done = 0;
  await boundedPool([...blobs.values()], options.concurrency ?? 4, async (blob) => {
    const pushed = await client.pushBlob(
      repo,
      { path: layoutBlobPath(layoutDir, blob.digest) },
      { digest: blob.digest, size: blob.size },
      {
        ...options.upload,
        ...(options.mountFrom !== undefined ? { mountFrom: options.mountFrom } : {}),
        ...sig,
      },
    );
    result.blobs[pushed.outcome]++;
    if (pushed.outcome === 'pushed') result.bytesPushed += pushed.size;
    options.onBlob?.({
      digest: blob.digest,
      size: blob.size,
      outcome: pushed.outcome,
      done: ++done,
      total: blobs.size,
    });
  });
  for (const { desc, bytes } of manifests) {
    const digest = await client.putManifest(
      repo,
      desc === top ? tag : desc.digest,
      bytes,
      desc.mediaType,
      options.signal,
    );
    if (digest !== desc.digest)
      throw new TerminalError(
        OciErrorCode.digestMismatch,
        `pushing ${repo}:${tag}: the manifest ${desc.digest} was stored as ${digest}`,
      );
    result.manifests++;
  }
  return result;
}
