import { z } from 'zod';
import { AnyMappingSchema, StringListSchema } from './json-value.schema';
import { oneOf } from './one-of.schema';

/**
 * `track:` — where a definition's upstream versions come from (spec.json `track.items`).
 * The spec's branches have no `additionalProperties: false`, so unknown keys are allowed in a
 * track entry (z.looseObject), and the item is a `oneOf`: an entry must fit exactly one form.
 *
 * Note the spec lists `var_increment` twice: once with only `type` required, once requiring
 * `set` and `increment` or `reset`. An entry with `set` and `increment`/`reset` fits both, so
 * the spec's `oneOf` refuses it; this schema agrees with the spec (and ajv) on that.
 */

/** `set:` of a GitHub release/tag entry: a variable name, or a list of {var, value, match}. */
const GithubSetSchema = oneOf(
  [
    z.string(),
    z.array(z.looseObject({ match: z.string().optional(), value: z.enum(['commit', 'tag', 'name']), var: z.string() })),
  ],
  { name: '"set" value', labels: ['a variable name', 'a list of {var, value} mappings'] },
);

const GithubReleaseTrackSchema = z.looseObject({
  type: z.enum(['github_release']),
  owner: z.string(),
  repo: z.string(),
  set: GithubSetSchema,
  use: z.enum(['release', 'tag']).optional(),
  match: z.string().optional(),
});

const GithubTagTrackSchema = z.looseObject({
  type: z.enum(['github_tag']),
  owner: z.string(),
  repo: z.string(),
  set: GithubSetSchema,
  match: z.string(),
});

const GithubRepositoryTrackSchema = z.looseObject({
  type: z.enum(['github_repository']),
  owner: z.string(),
  repo: z.string(),
  branch: z.string().optional(),
  set: AnyMappingSchema,
});

const AlpinePackageTrackSchema = z.looseObject({
  type: z.enum(['alpine_package']),
  package: z.string().regex(/^pkg:apk\/.*$/u),
  set: z.string(),
});

const DebianPackageTrackSchema = z.looseObject({
  type: z.enum(['debian_package']),
  package: z.string().regex(/^pkg:deb\/.*$/u),
  set: z.string(),
  match: z.string().optional(),
});

/** `set` defaults to `REL`. */
const VarIncrementTrackSchema = z.looseObject({
  type: z.enum(['var_increment']),
  set: z.string().optional(),
  increment: StringListSchema.optional(),
  reset: StringListSchema.optional(),
});

const VarIncrementWithSetTrackSchema = z
  .looseObject({
    type: z.enum(['var_increment']),
    set: z.string(),
    increment: StringListSchema.optional(),
    reset: StringListSchema.optional(),
  })
  .refine((entry) => Object.hasOwn(entry, 'increment') || Object.hasOwn(entry, 'reset'), {
    message: 'a var_increment entry with "set" needs "increment" or "reset"',
  });

const OciArtifactTrackSchema = z.looseObject({
  type: z.enum(['oci_artifact']),
  name: z.string(),
  match: z.string(),
  set: z.array(
    z.looseObject({
      match: z.string().optional(),
      value: z.enum(['digest', 'tag', 'reference']),
      var: z.string(),
      /** Default `longest`. */
      selection: z.enum(['longest', 'exact', 'default']).optional(),
    }),
  ),
});

const FileTrackSchema = z.looseObject({
  type: z.enum(['file', 'json_file']),
  url: z.string(),
  set: AnyMappingSchema,
  name: z.string().optional(),
});

/** One `track:` entry, in the order of spec.json's `oneOf`. */
export const TrackEntrySchema = oneOf(
  [
    GithubReleaseTrackSchema,
    GithubTagTrackSchema,
    GithubRepositoryTrackSchema,
    AlpinePackageTrackSchema,
    DebianPackageTrackSchema,
    VarIncrementTrackSchema,
    OciArtifactTrackSchema,
    FileTrackSchema,
    VarIncrementWithSetTrackSchema,
  ],
  {
    name: 'track entry',
    discriminator: 'type',
    labels: [
      'github_release',
      'github_tag',
      'github_repository',
      'alpine_package',
      'debian_package',
      'var_increment',
      'oci_artifact',
      'file/json_file',
      'var_increment with "set" and "increment" or "reset"',
    ],
  },
);

export type TrackEntry = z.output<typeof TrackEntrySchema>;

/** `track:` — the list of entries. */
export const TrackSchema = z.array(TrackEntrySchema);
