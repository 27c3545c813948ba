import { join } from 'node:path';
import { PipelineError, isRecord } from '@patch-factory/contracts';
import { checkLayoutMarker, readLayoutBlob, readLayoutFile, type LayoutErrorCodes } from '@patch-factory/oci';
import { shown, shownPath } from '../builder-errors';
import { BuildahErrorCode, buildahTerminal } from './buildah-errors';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MAX_JSON = 4 * 1024 * 1024;
/** Every failure of the layout buildah left is build-buildah-failed. */
const CODES: LayoutErrorCodes = {
  invalid: BuildahErrorCode.failed,
  mismatch: BuildahErrorCode.failed,
  tooLarge: BuildahErrorCode.failed,
};

/**
 * Checks what `buildah push oci:<dir>` wrote, with libs/oci's layout reader: an OCI image layout
 * (`oci-layout` 1.0.0) whose index.json holds exactly one OCI image manifest, present in the
 * blobs with that digest and size, and the digest buildah reported. Returns it; a bad layout is
 * `build-buildah-failed`.
 */
export async function readPushedDigest(dir: string, reported: string): Promise<string> {
  const bad = (why: string) =>
    buildahTerminal(BuildahErrorCode.failed, `buildah wrote no usable OCI image layout to ${shownPath(dir)}: ${why}`);
  try {
    await checkLayoutMarker(dir, CODES);
    const index = parseJson(await readLayoutFile(join(dir, 'index.json'), MAX_JSON, `${dir}/index.json`, CODES));
    const manifests = isRecord(index) ? index['manifests'] : undefined;
    if (!Array.isArray(manifests) || manifests.length !== 1) throw bad('index.json does not list exactly one manifest');
    const entry: unknown = manifests[0];
    if (!isRecord(entry) || entry['mediaType'] !== MANIFEST || typeof entry['digest'] !== 'string')
      throw bad(`index.json's manifest is not an ${MANIFEST} with a digest`);
    const digest = entry['digest'];
    const size = entry['size'];
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
      throw bad(`index.json's manifest has no byte size`);
    if (reported.trim() !== digest)
      throw bad(`index.json names ${shown(digest, 80)}, but buildah reported "${shown(reported.trim(), 80)}"`);
    await readLayoutBlob(dir, { digest, size }, MAX_JSON, CODES);
    return digest;
  } catch (error) {
    if (error instanceof PipelineError && !error.message.startsWith('buildah wrote')) throw bad(error.message);
    throw error;
  }
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
