import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shown, shownPath } from '../builder-errors';
import { BuildahErrorCode, buildahTerminal } from './buildah-errors';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DIGEST = /^sha256:([0-9a-f]{64})$/;
const MAX_JSON = 4 * 1024 * 1024;

/**
 * Checks what `buildah push oci:<dir>` wrote: an OCI image layout (`oci-layout` 1.0.0) whose
 * index.json holds exactly one OCI image manifest, present in the blobs with that digest, and
 * the digest buildah reported. Returns it; a bad layout is `build-buildah-failed`.
 */
export async function readPushedDigest(dir: string, reported: string): Promise<string> {
  const bad = (why: string) => buildahTerminal(BuildahErrorCode.failed, `buildah wrote no usable OCI image layout to ${shownPath(dir)}: ${why}`);
  const layout = await readJson(join(dir, 'oci-layout'), bad);
  if (!isObject(layout) || layout.imageLayoutVersion !== '1.0.0') throw bad('oci-layout is not {"imageLayoutVersion":"1.0.0"}');
  const index = await readJson(join(dir, 'index.json'), bad);
  const manifests = isObject(index) ? index.manifests : undefined;
  if (!Array.isArray(manifests) || manifests.length !== 1) throw bad('index.json does not list exactly one manifest');
  const entry: unknown = manifests[0];
  if (!isObject(entry) || entry.mediaType !== MANIFEST || typeof entry.digest !== 'string') throw bad(`index.json's manifest is not an ${MANIFEST} with a digest`);
  const digest = entry.digest;
  const hex = DIGEST.exec(digest)?.[1];
  if (hex === undefined) throw bad(`manifest digest "${shown(digest, 80)}" is not sha256:<64 hex>`);
  if (reported.trim() !== digest) throw bad(`index.json names ${digest}, but buildah reported "${shown(reported.trim(), 80)}"`);
  const blob = await readFile(join(dir, 'blobs', 'sha256', hex)).catch(() => {
    throw bad(`the manifest blob ${digest} is missing`);
  });
  if (createHash('sha256').update(blob).digest('hex') !== hex) throw bad(`the manifest blob does not match its digest ${digest}`);
  return digest;
}

async function readJson(path: string, bad: (why: string) => Error): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw bad(`${shownPath(path)} is missing`);
  });
  if (text.length > MAX_JSON) throw bad(`${shownPath(path)} is larger than ${MAX_JSON} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bad(`${shownPath(path)} is not JSON`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
