import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE_NAME_ANNOTATION } from '@patch-factory/builder';
import { imageReferenceProblem } from '@patch-factory/oci';
import { CommandError } from './command-error';
import { safeText } from './terminal-text';

/**
 * The image-name annotation of the layout's image index, if it has one (the blob's digest was
 * checked by readImageLayout). A name the OCI reference grammar refuses is an error naming
 * the layout and the annotation (`image-name-invalid`), not a name to print or put in an SBOM.
 */
export async function layoutImageName(dir: string, indexDigest: string): Promise<string | undefined> {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(indexDigest)?.[1];
  if (hex === undefined) return undefined;
  let name: unknown;
  try {
    const index = JSON.parse(await readFile(join(dir, 'blobs', 'sha256', hex), 'utf8')) as { annotations?: Record<string, unknown> };
    name = index.annotations?.[IMAGE_NAME_ANNOTATION];
  } catch {
    return undefined;
  }
  if (name === undefined) return undefined;
  const problem = imageReferenceProblem(name);
  if (problem !== undefined) throw new CommandError('image-name-invalid', `${safeText(dir)}: the ${IMAGE_NAME_ANNOTATION} annotation of the image index: ${safeText(problem)}`);
  return name as string;
}
