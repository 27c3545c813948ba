import { z } from 'zod';
import { JsonIntegerSchema, PlatformListSchema, StringListSchema } from './json-value.schema';

/** One package of a file's hand-written SPDX description (`files[].spdx.packages[]`). */
export const SpdxPackageSchema = z.strictObject({
  name: z.string().optional(),
  purl: z.string().optional(),
  license: z.string().optional(),
  path: z.string().optional(),
});

/** `files[].spdx`: the SBOM entry for a file fetched from a URL. */
export const SpdxSchema = z.strictObject({
  name: z.string().optional(),
  version: z.string().optional(),
  packages: z.array(SpdxPackageSchema).optional(),
});

/** One `contents.files[]` entry: a file fetched (and checked) into the image. */
export const ContentFileSchema = z.strictObject({
  url: z.string().optional(),
  if: z.string().optional(),
  checksum: z.string().optional(),
  path: z.string().optional(),
  includes: StringListSchema.optional(),
  excludes: StringListSchema.optional(),
  /** Default: every platform. */
  platforms: PlatformListSchema.optional(),
  spdx: SpdxSchema.optional(),
  uid: JsonIntegerSchema.optional(),
  gid: JsonIntegerSchema.optional(),
  mode: z.string().optional(),
  'secret-id': z.string().optional(),
});

export type ContentFile = z.output<typeof ContentFileSchema>;
