import { z } from 'zod';
import { AnyMappingSchema, StringMapSchema } from './json-value.schema';

/**
 * The reusable steps spec.json names for `pipeline[].uses`. The spec's `anyOf` ends with
 * `{"type": "string"}`, so any string is accepted; this list is documentation, not a check.
 */
export const KNOWN_PIPELINE_STEPS = [
  'go/hermetic@v1',
  'go/bump@v1',
  'go/bump@v2',
  'go/build@v1',
  'git/checkout@v1',
  'git/patch@v1',
  'cosign/verify-blob@v1',
  'deb/build@v1',
  'deb/install@v1',
  'gpg/verify@v1',
  'mvn/patch@v1',
  'mvn/mirror@v1',
  'gradle/mirror@v1',
  'strip@v1',
  'npm/patch@v1',
  'npm/bump@v1',
  'yarn/patch@v1',
  'yarn/bump@v1',
  'yarn/bump@v2',
  'patch@v1',
  'sbom@v1',
  'spdx@v1',
  'yq/patch@v1',
  'helm/package@v1',
  'helm/rudder@v1',
  'helm/cmd@v1',
  'helm/login@v1',
  'helm/logout@v1',
  'helm/annotations@v1',
  'abuild/setup@v1',
  'abuild/build@v1',
  'abuild/upload@v1',
  'abuild/apk@v1',
  'abuild/disable@v1',
  'abuild/bump@v1',
  'abuild/source@v1',
  'dpkg/patch@v1',
  'dpkg/build@v1',
  'dpkg/bump@v1',
  'dpkg/upload@v1',
  'dpkg/extract@v1',
  'dpkg/source@v1',
] as const;

export type KnownPipelineStep = (typeof KNOWN_PIPELINE_STEPS)[number];

/** A build cache mount (`caches[]` of a build or a step). */
export const CacheSchema = z.strictObject({
  path: z.string(),
  sharing: z.enum(['shared', 'private', 'locked']).optional(),
});

/** A secret a step gets as an environment variable (`pipeline[].secrets[]`). */
export const StepSecretSchema = z.strictObject({
  id: z.string(),
  if: z.string().optional(),
  env: z.string(),
  optional: z.boolean().optional(),
});

/** One `builds[].pipeline[]` step: a shell script (`runs`) or a reusable step (`uses` + `with`). */
export const PipelineStepSchema = z.strictObject({
  name: z.string().optional(),
  if: z.string().optional(),
  /** Any string; see {@link KNOWN_PIPELINE_STEPS}. */
  uses: z.string().optional(),
  'run-as': z.string().optional(),
  'work-dir': z.string().optional(),
  shell: z.string().optional(),
  privileged: z.boolean().optional(),
  environment: StringMapSchema.optional(),
  caches: z.array(CacheSchema).optional(),
  secrets: z.array(StepSecretSchema).optional(),
  with: AnyMappingSchema.optional(),
  runs: z.string().optional(),
});

export type PipelineStep = z.output<typeof PipelineStepSchema>;
