import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TerminalError } from '@patch-factory/contracts';
import { boundedPool } from './bounded-pool';
import { OCI_INDEX, parseManifest, type OciDescriptor } from './oci-descriptor';
import { OciErrorCode } from './oci-errors';
import { REF_NAME_ANNOTATION, layoutBlobPath } from './oci-layout';
import { assertManifestReference } from './manifest-reference';
import { assertRepositoryName, isTag } from './reference-grammar';
import type { RegistryWriter } from './registry-writer';

/** What pullLayout wrote. */
export interface PullLayoutResult {
  digest: string;
  mediaType: string;
  manifests: number;
  blobs: number;
  bytes: number;
}

const MAX_DEPTH = 4;
const MAX_ITEMS = 10_000;

/**
 * Write `repo:ref` (a tag or digest) as an OCI image layout in `dir`: every manifest, index and
 * blob verified against its sha256 as it is pulled; index.json lists the top one (named `ref`
 * by `org.opencontainers.image.ref.name` when `ref` is a tag).
 */
export async function pullLayout(
  client: RegistryWriter,
  name: string,
  reference: string,
  dir: string,
  options: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<PullLayoutResult> {
  const repo = assertRepositoryName(name);
  const ref = assertManifestReference(reference);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const blobs = new Map<string, OciDescriptor>();
  let manifests = 0;
  const seen = new Set<string>();
  const fetchManifest = async (
    what: string,
    depth: number,
  ): Promise<{ digest: string; mediaType: string; size: number }> => {
    const pulled = await client.getManifest(repo, what, options.signal);
    if (seen.has(pulled.digest))
      return { digest: pulled.digest, mediaType: pulled.mediaType, size: pulled.bytes.length };
    seen.add(pulled.digest);
    if (depth > MAX_DEPTH || seen.size + blobs.size > MAX_ITEMS)
      throw new TerminalError(
        OciErrorCode.invalidResponse,
        `pulling ${repo}:${ref}: the image nests or lists too much (${MAX_DEPTH} levels, ${MAX_ITEMS} items at most)`,
      );
    const parsed = parseManifest(pulled.bytes, pulled.mediaType, `pulling ${repo}:${what}`);
    for (const child of parsed.manifests) {
      const got = await fetchManifest(child.digest, depth + 1);
      if (got.digest !== child.digest)
        throw new TerminalError(
          OciErrorCode.digestMismatch,
          `pulling ${repo}:${ref}: ${child.digest} came back as ${got.digest}`,
        );
    }
    for (const blob of parsed.blobs) blobs.set(blob.digest, blob);
    await writeFile(layoutBlobPath(dir, pulled.digest), pulled.bytes);
    manifests++;
    return { digest: pulled.digest, mediaType: pulled.mediaType, size: pulled.bytes.length };
  };
  const top = await fetchManifest(ref, 0);
  let bytes = 0;
  await boundedPool([...blobs.values()], options.concurrency ?? 4, async (blob) => {
    bytes += await client.getBlobToFile(repo, blob.digest, layoutBlobPath(dir, blob.digest), {
      size: blob.size,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  });
  const entry: OciDescriptor = {
    mediaType: top.mediaType,
    digest: top.digest,
    size: top.size,
    ...(isTag(ref) ? { annotations: { [REF_NAME_ANNOTATION]: ref } } : {}),
  };
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry] }),
  );
  return { digest: top.digest, mediaType: top.mediaType, manifests, blobs: blobs.size, bytes };
}
