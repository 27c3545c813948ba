import { z } from 'zod';
import { AccountsSchema } from './accounts.schema';
import { ContentsSchema } from './contents.schema';
import { ImageTestSchema } from './image-test.schema';
import { PlatformListSchema, StringListSchema, StringMapSchema } from './json-value.schema';
import { OsReleaseSchema } from './os-release.schema';
import { PathEntrySchema } from './path-entry.schema';
import { TrackSchema } from './track.schema';

/** `dates:` — release and end-of-life dates of the image stream (free-form strings). */
export const DatesSchema = z.strictObject({
  type: z.string().optional(),
  url: z.string().optional(),
  release: z.string().optional(),
  'end-of-life': z.string().optional(),
  'end-of-support': z.string().optional(),
});

/**
 * One image definition file of the catalog (`image/<name>/<os>/<stream>.yaml`), translated by
 * hand from the format's JSON schema (spec.json, draft 2020-12): every key optional, no
 * unknown keys anywhere the spec says `additionalProperties: false`. Defaults the spec names
 * are documented, not applied: the parsed value is what the file says.
 */
export const DefinitionSchema = z.strictObject({
  /** Other spec files (relative to the repository root) merged into this one. */
  includes: StringListSchema.optional(),
  track: TrackSchema.optional(),
  name: z.string().optional(),
  /** e.g. `dhi/golang`. */
  image: z.string().optional(),
  /** Default `zstd`. */
  compression: z.enum(['zstd', 'gzip']).optional(),
  /** Default `layered`; `squashed` flattens the image into one layer. */
  output: z.enum(['layered', 'squashed']).optional(),
  entitlement: z.enum(['public', 'enterprise', 'els']).optional(),
  /** Default `runtime`. */
  variant: z.enum(['dev', 'runtime', 'helm']).optional(),
  flavor: z.string().optional(),
  tags: StringListSchema.optional(),
  suffix: z.string().optional(),
  /** Default: every platform. */
  platforms: PlatformListSchema.optional(),
  dates: DatesSchema.optional(),
  /** Substituted as `${NAME}` at merge time. */
  vars: StringMapSchema.optional(),
  contents: ContentsSchema.optional(),
  accounts: AccountsSchema.optional(),
  'os-release': OsReleaseSchema.optional(),
  'work-dir': z.string().optional(),
  'stop-signal': z.string().optional(),
  environment: StringMapSchema.optional(),
  paths: z.array(PathEntrySchema).optional(),
  annotations: StringMapSchema.optional(),
  labels: StringMapSchema.optional(),
  entrypoint: StringListSchema.optional(),
  cmd: StringListSchema.optional(),
  ports: StringListSchema.optional(),
  tests: z.array(ImageTestSchema).optional(),
  /** Default false. */
  'fips-compliant': z.boolean().optional(),
  /** Default false. */
  'stig-certified': z.boolean().optional(),
});

export type Definition = z.output<typeof DefinitionSchema>;
