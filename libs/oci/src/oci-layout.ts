import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelineError, TerminalError, shown } from '@patch-factory/contracts';
import {
  MAX_MANIFEST_BYTES,
  OCI_INDEX,
  parseManifest,
  type OciDescriptor,
  type ParsedManifest,
} from './oci-descriptor';
import { LayoutReadErrorCode, OciErrorCode } from './oci-errors';
import { isSha256Digest } from './reference-grammar';

/**
 * The one reader of an OCI image layout directory's files (oci-layout, index.json, blobs), used
 * by the push path (`readLayoutIndex`, `readLayoutManifest`) and by the image reader
 * (`readImageLayout`, image-layout-read.ts). Each raises its own codes, so a failure keeps the
 * code its callers know: `oci-invalid-layout`/`oci-digest-mismatch` on the push path,
 * `image-layout-invalid`/`image-blob-mismatch`/`image-layout-too-large` when reading an image.
 */

/** The annotation naming a manifest of an image layout's index.json. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** The codes a reader of a layout raises: malformed or missing content, content not matching its descriptor, content over a limit. */
export interface LayoutErrorCodes {
  invalid: string;
  mismatch: string;
  tooLarge: string;
}

/** The push path's codes (libs/oci's own). */
export const PUSH_LAYOUT_CODES: LayoutErrorCodes = {
  invalid: OciErrorCode.invalidLayout,
  mismatch: OciErrorCode.digestMismatch,
  tooLarge: OciErrorCode.invalidLayout,
};
/** The image reader's codes. */
export const IMAGE_LAYOUT_CODES: LayoutErrorCodes = {
  invalid: LayoutReadErrorCode.layoutInvalid,
  mismatch: LayoutReadErrorCode.blobMismatch,
  tooLarge: LayoutReadErrorCode.tooLarge,
};

const pushError = (dir: string, why: string) =>
  new TerminalError(OciErrorCode.invalidLayout, `the OCI image layout ${dir} ${why}`);

/** Re-code a parse failure of layout content as oci-invalid-layout. */
function asLayoutError<T>(dir: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof PipelineError) throw pushError(dir, `is malformed: ${error.message}`);
    throw error;
  }
}

/** `<dir>/blobs/sha256/<64 hex>` of `digest`; anything else (another algorithm, a path, upper-case hex) is refused. */
export function layoutBlobPath(dir: string, digest: string, codes: LayoutErrorCodes = PUSH_LAYOUT_CODES): string {
  if (!isSha256Digest(digest))
    throw new TerminalError(
      codes.invalid,
      `the OCI image layout ${dir} names the blob ${JSON.stringify(shown(String(digest), 80))}, not blobs/sha256/<64 hex>; refused`,
    );
  return join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/**
 * A file of the layout: a regular file (never a symlink) of at most `max` bytes. Over the limit
 * is `codes.mismatch` when `max` is the size a descriptor gives (`exact`), else `codes.tooLarge`.
 */
export async function readLayoutFile(
  path: string,
  max: number,
  what: string,
  codes: LayoutErrorCodes,
  exact = false,
): Promise<Buffer> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile()) throw new TerminalError(codes.invalid, `${what} is missing or not a regular file`);
  if (info.size > max) {
    if (exact)
      throw new TerminalError(codes.mismatch, `${what} is ${info.size} bytes, not the ${max} its descriptor gives`);
    throw new TerminalError(codes.tooLarge, `${what} is ${info.size} bytes, over the limit of ${max}`);
  }
  return readFile(path);
}

/** Checks the layout's `oci-layout` file: a JSON object with imageLayoutVersion 1.0.0 (the only version of the spec). */
export async function checkLayoutMarker(dir: string, codes: LayoutErrorCodes): Promise<void> {
  const what = `${dir}/oci-layout`;
  const bytes = await readLayoutFile(join(dir, 'oci-layout'), 4096, what, codes);
  let version: unknown;
  try {
    version = (JSON.parse(bytes.toString('utf8')) as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion;
  } catch (error) {
    throw new TerminalError(codes.invalid, `${what} is not JSON: ${shown(String((error as Error).message), 120)}`, {
      cause: error,
    });
  }
  if (version !== '1.0.0')
    throw new TerminalError(
      codes.invalid,
      `${what}: imageLayoutVersion is "${shown(String(version), 20)}", not 1.0.0; it is no OCI image layout this reader knows`,
    );
}

/**
 * A blob of the layout, checked against its descriptor: a sha256 digest (so a path under
 * blobs/sha256/ and nowhere else), a regular file of exactly the descriptor's size (at most
 * `max`) whose sha256 is the digest.
 */
export async function readLayoutBlob(
  dir: string,
  desc: { digest: string; size: number },
  max: number,
  codes: LayoutErrorCodes,
): Promise<Buffer> {
  const path = layoutBlobPath(dir, desc.digest, codes);
  const what = `${dir}: blob ${desc.digest}`;
  if (desc.size > max)
    throw new TerminalError(codes.tooLarge, `${what} is ${desc.size} bytes, over the limit of ${max}`);
  const data = await readLayoutFile(path, desc.size, what, codes, true);
  if (data.length !== desc.size)
    throw new TerminalError(
      codes.mismatch,
      `${what} is ${data.length} bytes, not the ${desc.size} its descriptor gives`,
    );
  const actual = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  if (actual !== desc.digest)
    throw new TerminalError(codes.mismatch, `${what} has digest ${actual}; the layout is corrupt or was tampered with`);
  return data;
}

/** The descriptors of the layout's index.json (after checking `oci-layout`). */
export async function readLayoutIndex(dir: string): Promise<OciDescriptor[]> {
  await checkLayoutMarker(dir, PUSH_LAYOUT_CODES);
  const bytes = await readLayoutFile(
    join(dir, 'index.json'),
    MAX_MANIFEST_BYTES,
    `${dir}/index.json`,
    PUSH_LAYOUT_CODES,
  );
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
    throw pushError(
      dir,
      named.length === 0
        ? `has no manifest named ${JSON.stringify(refName)} in index.json`
        : `names ${named.length} manifests ${JSON.stringify(refName)}`,
    );
  }
  if (manifests.length === 1 && manifests[0]) return manifests[0];
  const names = manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION] ?? d.digest).slice(0, 10);
  throw pushError(
    dir,
    manifests.length === 0
      ? 'lists no manifest in index.json'
      : `lists ${manifests.length} manifests in index.json (${names.join(', ')}): name the one to push`,
  );
}

/** A manifest or index of the layout, its size and sha256 checked against `desc`. */
export async function readLayoutManifest(
  dir: string,
  desc: OciDescriptor,
): Promise<{ bytes: Buffer; parsed: ParsedManifest }> {
  const bytes = await readLayoutBlob(dir, desc, MAX_MANIFEST_BYTES, PUSH_LAYOUT_CODES);
  return {
    bytes,
    parsed: asLayoutError(dir, () => parseManifest(bytes, desc.mediaType, `the manifest ${desc.digest} of ${dir}`)),
  };
}
