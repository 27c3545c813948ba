import { IMAGE_NAME_ANNOTATION } from '@patch-factory/builder';
import { imageReferenceProblem, type ImageLayout } from '@patch-factory/oci';
import { CommandError } from './command-error';
import { safeText } from './terminal-text';

/**
 * The image-name annotation of the layout's image index, if it has one (as readImageLayout read
 * it, its digest checked). A name the OCI reference grammar refuses is an error naming the
 * layout and the annotation (`image-name-invalid`), not a name to print or put in an SBOM.
 */
export function layoutImageName(dir: string, layout: Pick<ImageLayout, 'indexAnnotations'>): string | undefined {
  const name = layout.indexAnnotations[IMAGE_NAME_ANNOTATION];
  if (name === undefined) return undefined;
  const problem = imageReferenceProblem(name);
  if (problem !== undefined)
    throw new CommandError(
      'image-name-invalid',
      `${safeText(dir)}: the ${IMAGE_NAME_ANNOTATION} annotation of the image index: ${safeText(problem)}`,
    );
  return name;
}
