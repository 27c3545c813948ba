import { assertTag, imageReferenceProblem, parseImageReference } from '@patch-factory/oci';
import { catalogReader, readRunDefinition, type CatalogAccess } from '@patch-factory/catalog-access';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';

/** What publishing needs of a definition: its image repository and release tags. */
export interface ReleaseTarget {
  /** `examples/redis`: the repository path of the definition's `image` (without a registry host or tag). */
  image: string;
  tags: string[];
}

/** The definition's `image` and `tags` at `branch` (default branch when absent), checked against the OCI grammar. */
export async function releaseTargetOf(
  access: CatalogAccess,
  definition: string,
  branch?: string,
): Promise<ReleaseTarget> {
  const def = await readRunDefinition(catalogReader(access), definition, branch);
  const image = def.image;
  if (!image)
    throw publishingTerminal(
      PublishingErrorCode.tagsInvalid,
      `${definition} names no image: set its image: field (a repository like examples/redis)`,
    );
  // By the one OCI grammar: a registry host (and port) in `image:` names where the catalog's
  // vendor publishes; the factory publishes the path to its own registry (PF_REGISTRY_URL), at
  // the definition's `tags`.
  const ref = parseImageReference(image, { noDigest: true });
  if (ref === undefined) {
    throw publishingTerminal(
      PublishingErrorCode.tagsInvalid,
      `${definition}: image is not a repository name: ${imageReferenceProblem(image, { noDigest: true }) ?? 'invalid'}`,
    );
  }
  const tags = def.tags ?? [];
  for (const tag of tags) {
    try {
      assertTag(tag);
    } catch {
      throw publishingTerminal(
        PublishingErrorCode.tagsInvalid,
        `${definition}: tag "${tag.slice(0, 140)}" is not an OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})`,
      );
    }
  }
  return { image: ref.path, tags };
}
