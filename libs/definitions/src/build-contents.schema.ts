import { z } from 'zod';
import { ContentFileSchema } from './content-file.schema';
import { JsonIntegerSchema, StringListSchema, StringMapSchema } from './json-value.schema';

/** One `contents.artifacts[]` entry: files taken from a build's output. */
export const ArtifactSchema = z.strictObject({
  name: z.string().optional(),
  if: z.string().optional(),
  includes: StringListSchema.optional(),
  excludes: StringListSchema.optional(),
  uid: JsonIntegerSchema.optional(),
  gid: JsonIntegerSchema.optional(),
});

/** The keys `contents:` and `builds[].contents:` share. */
export const BUILD_CONTENTS_SHAPE = {
  repositories: StringListSchema.optional(),
  keyring: StringListSchema.optional(),
  packages: StringListSchema.optional(),
  files: z.array(ContentFileSchema).optional(),
  mappings: StringMapSchema.optional(),
  artifacts: z.array(ArtifactSchema).optional(),
};

/** `builds[].contents`: what a build stage starts from (no nested `builds`). */
export const BuildContentsSchema = z.strictObject(BUILD_CONTENTS_SHAPE);

export type BuildContents = z.output<typeof BuildContentsSchema>;
