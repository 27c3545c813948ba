import { assertRepositoryName, assertTag } from '@patch-factory/oci';
import { catalogReader, readRunDefinition } from '@patch-factory/checking';
import type { CatalogAccess } from '@patch-factory/patching';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';

/** What publishing needs of a definition: its image repository and release tags. */
export interface ReleaseTarget {
  /** `examples/redis` */
  image: string;
  tags: string[];
}

/** The definition's `image` and `tags` at `branch` (default branch when absent), checked against the OCI grammar. */
export async function releaseTargetOf(access: CatalogAccess, definition: string, branch?: string): Promise<ReleaseTarget> {
  const def = await readRunDefinition(catalogReader(access), definition, branch);
  const image = def.image;
  if (!image) throw publishingTerminal(PublishingErrorCode.tagsInvalid, `${definition} names no image: set its image: field (a repository like examples/redis)`);
  try {
    assertRepositoryName(image);
  } catch (error) {
    throw publishingTerminal(PublishingErrorCode.tagsInvalid, `${definition}: image "${image.slice(0, 100)}" is not a repository name: ${(error as Error).message}`);
  }
  const tags = def.tags ?? [];
  for (const tag of tags) {
    try {
      assertTag(tag);
    } catch {
      throw publishingTerminal(PublishingErrorCode.tagsInvalid, `${definition}: tag "${tag.slice(0, 140)}" is not an OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})`);
    }
  }
  return { image, tags };
}
