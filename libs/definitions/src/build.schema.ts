import { z } from 'zod';
import { AccountsSchema } from './accounts.schema';
import { BuildContentsSchema } from './build-contents.schema';
import { BuildAttestationSchema, BuildOutputSchema } from './build-output.schema';
import { AnyMappingSchema, StringMapSchema } from './json-value.schema';
import { PathEntrySchema } from './path-entry.schema';
import { CacheSchema, PipelineStepSchema } from './pipeline-step.schema';

/** One `builds[].matrix[]` entry: a named set of values the build is repeated over. */
export const MatrixSchema = z.strictObject({
  name: z.string().optional(),
  items: AnyMappingSchema.optional(),
});

/** One `contents.builds[]` entry: a build stage whose outputs go into the image. */
export const BuildSchema = z.strictObject({
  name: z.string().optional(),
  if: z.string().optional(),
  /** A free string here (the image-level `entitlement` is an enum). */
  entitlement: z.string().optional(),
  uses: z.string().optional(),
  'work-dir': z.string().optional(),
  shell: z.string().optional(),
  privileged: z.boolean().optional(),
  environment: StringMapSchema.optional(),
  caches: z.array(CacheSchema).optional(),
  matrix: z.array(MatrixSchema).optional(),
  contents: BuildContentsSchema.optional(),
  pipeline: z.array(PipelineStepSchema).optional(),
  paths: z.array(PathEntrySchema).optional(),
  accounts: AccountsSchema.optional(),
  outputs: z.array(BuildOutputSchema).optional(),
  attestations: z.array(BuildAttestationSchema).optional(),
});

export type Build = z.output<typeof BuildSchema>;
