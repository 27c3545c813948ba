import { z } from 'zod';
import { InfoAdvisorySchema } from './info-advisory.schema';
import { InfoMetadataSchema, StrictInfoMetadataSchema } from './info-metadata.schema';
import { StringListSchema } from './json-value.schema';

/** One `track-ignore[]` entry: upstream tags the tracker should not follow. */
export const TrackIgnoreSchema = z.strictObject({
  type: z.enum(['github_tag']),
  owner: z.string(),
  repo: z.string(),
  match: z.string(),
});

/** One `vex-sources[]` entry: a third-party VEX feed mapped onto the image's packages. */
export const VexSourceSchema = z.strictObject({
  format: z.enum(['tuxcare-csaf']),
  url: z.string(),
  purl: z.strictObject({
    type: z.string().optional(),
    namespace: z.string().optional(),
    name: z.string().optional(),
    versionRegex: z.string().optional(),
    keepQualifiers: StringListSchema.optional(),
  }),
  destination: z.string(),
  packages: StringListSchema,
  packageVersionRef: z.string(),
});

const INFO_SHAPE = {
  advisories: z.array(InfoAdvisorySchema).optional(),
  'track-ignore': z.array(TrackIgnoreSchema).optional(),
  'vex-sources': z.array(VexSourceSchema).optional(),
};

/** An image's `info.yaml` exactly as info.spec.json describes it (see {@link InfoSchema}). */
export const StrictInfoSchema = z.strictObject({ metadata: StrictInfoMetadataSchema, ...INFO_SHAPE });

/**
 * An image's `info.yaml` (`image/<name>/info.yaml`) as the catalog writes it: info.spec.json
 * with the four `metadata` keys no catalog file has made optional (INFO_KEYS_THE_CATALOG_OMITS).
 */
export const InfoSchema = z.strictObject({ metadata: InfoMetadataSchema, ...INFO_SHAPE });

export type Info = z.output<typeof InfoSchema>;
