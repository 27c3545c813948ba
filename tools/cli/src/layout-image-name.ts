import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE_NAME_ANNOTATION } from '@patch-factory/builder';

/** The image-name annotation of the layout's image index, if it has one (the blob's digest was checked by readImageLayout). */
export async function layoutImageName(dir: string, indexDigest: string): Promise<string | undefined> {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(indexDigest)?.[1];
  if (hex === undefined) return undefined;
  try {
    const index = JSON.parse(await readFile(join(dir, 'blobs', 'sha256', hex), 'utf8')) as { annotations?: Record<string, unknown> };
    const name = index.annotations?.[IMAGE_NAME_ANNOTATION];
    return typeof name === 'string' && name.length <= 256 ? name : undefined;
  } catch {
    return undefined;
  }
}
