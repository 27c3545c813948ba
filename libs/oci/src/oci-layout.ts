import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelineError, TerminalError } from '@patch-factory/contracts';
import { MAX_MANIFEST_BYTES, OCI_INDEX, parseManifest, type OciDescriptor, type ParsedManifest } from './oci-descriptor';
import { OciErrorCode } from './oci-error-code';
import { isSha256Digest } from './reference-grammar';

/** The annotation naming a manifest of an image layout's index.json. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

const layoutError = (dir: string, why: string) => new TerminalError(OciErrorCode.invalidLayout, `the OCI image layout ${dir} ${why}`);

/** Re-code a parse failure of layout content as oci-invalid-layout. */
function asLayoutError<T>(dir: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof PipelineError) throw layoutError(dir, `is malformed: ${error.message}`);
    throw error;
  }
}

/** `<dir>/blobs/sha256/<64 hex>` of `digest`; anything else (another algorithm, a path) is refused. */
export function layoutBlobPath(dir: string, digest: string): string {
  if (!isSha256Digest(digest)) throw layoutError(dir, `names the blob ${JSON.stringify(String(digest).slice(0, 80))}, not blobs/sha256/<64 hex>; refused`);
  return join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** A small file of the layout (a regular file, at most `max` bytes). */
async function readSmall(dir: string, path: string, max: number): Promise<Buffer> {
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isFile()) throw layoutError(dir, `has no regular file ${path}`);
  if (st.size > max) throw layoutError(dir, `holds ${path} of ${st.size} bytes, more than the ${max} accepted`);
  return readFile(path);
}

/** The descriptors of the layout's index.json (after checking `oci-layout`). */
export async function readLayoutIndex(dir: string): Promise<OciDescriptor[]> {
  const marker = await readSmall(dir, join(dir, 'oci-layout'), 4096);
  const version = asLayoutError(dir, () => (JSON.parse(marker.toString('utf8')) as Record<string, unknown>)['imageLayoutVersion']);
  if (typeof version !== 'string' || !version.startsWith('1.')) throw layoutError(dir, 'has an oci-layout file without imageLayoutVersion 1.x');
  const bytes = await readSmall(dir, join(dir, 'index.json'), MAX_MANIFEST_BYTES);
  return asLayoutError(dir, () => {
    // index.json is an image index whether or not it says so (skopeo 1.9 leaves out mediaType).
    return parseManifest(bytes, OCI_INDEX, `the index.json of ${dir}`).manifests;
  });
}

/** The descriptor of index.json to push: the one whose ref.name annotation is `refName`, else the only one. */
export function selectLayoutManifest(dir: string, manifests: OciDescriptor[], refName?: string): OciDescriptor {
  if (refName !== undefined) {
    const named = manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] === refName);
    if (named.length === 1 && named[0]) return named[0];
    throw layoutError(dir, named.length === 0 ? `has no manifest named ${JSON.stringify(refName)} in index.json` : `names ${named.length} manifests ${JSON.stringify(refName)}`);
  }
  if (manifests.length === 1 && manifests[0]) return manifests[0];
  const names = manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION] ?? d.digest).slice(0, 10);
  throw layoutError(dir, manifests.length === 0 ? 'lists no manifest in index.json' : `lists ${manifests.length} manifests in index.json (${names.join(', ')}): name the one to push`);
}

/** A manifest or index of the layout, its size and sha256 checked against `desc`. */
export async function readLayoutManifest(dir: string, desc: OciDescriptor): Promise<{ bytes: Buffer; parsed: ParsedManifest }> {
  const path = layoutBlobPath(dir, desc.digest);
  const bytes = await readSmall(dir, path, MAX_MANIFEST_BYTES);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (digest !== desc.digest || bytes.length !== desc.size) {
    throw new TerminalError(OciErrorCode.digestMismatch, `the OCI image layout ${dir} holds ${path} hashing to ${digest} (${bytes.length} bytes), not ${desc.digest} (${desc.size} bytes)`);
  }
  return { bytes, parsed: asLayoutError(dir, () => parseManifest(bytes, desc.mediaType, `the manifest ${desc.digest} of ${dir}`)) };
}

