import { z } from 'zod';
import { OCI_PATH_COMPONENT } from '../oci-repository-name';
import { EVENT_SEVERITIES } from './event-types';

/*
 * The data of each event, version 1 (see event-types.ts for the versioning rule). Plain zod
 * schemas without transforms or refinements, so that `z.toJSONSchema` gives their exact JSON
 * Schema (event-json-schemas.ts). Every string and array is bounded.
 */

const DigestSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex>');
/** An image name: the repository path without the registry host (`examples/redis`). */
export const EventImageNameSchema = z
  .string()
  .max(255)
  .regex(new RegExp(`^${OCI_PATH_COMPONENT}(?:/${OCI_PATH_COMPONENT})*$`), 'expected an OCI repository name');
/** An OCI tag (distribution grammar). */
export const EventTagSchema = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'expected an OCI tag');
/** As bounded as the stored image event's (image-event.schema.ts): what it holds converts. */
const RunIdSchema = z.string().min(1).max(100);
const DefinitionSchema = z.string().min(1).max(1000);
const HttpUrlSchema = z
  .string()
  .max(2000)
  .regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL');
const TimeSchema = z.iso.datetime({ offset: true });
export const EventSeveritySchema = z.enum(EVENT_SEVERITIES);

/** A piece of evidence published with the image: where to find it (a digest in the repository, or a URI). */
export const EvidenceReferenceSchema = z.object({
  kind: z.enum(['sbom-cyclonedx', 'sbom-spdx', 'vex', 'provenance', 'signature']),
  digest: DigestSchema.optional(),
  uri: z.string().min(1).max(2000).optional(),
  mediaType: z.string().max(255).optional(),
});
export type EvidenceReference = z.infer<typeof EvidenceReferenceSchema>;

/** One vulnerability the new image no longer has. */
export const FixedVulnerabilitySchema = z.object({
  id: z.string().min(1).max(100),
  severity: EventSeveritySchema,
});
export type FixedVulnerability = z.infer<typeof FixedVulnerabilitySchema>;

const ImageFields = {
  /** The image name (repository path), also the event's `subject`. */
  image: EventImageNameSchema,
  /** Registry host and repository: `registry.example.com/examples/redis`. */
  repository: z.string().min(1).max(500),
  /** The digest every tag of the event now points at. */
  digest: DigestSchema,
  definition: DefinitionSchema,
  runId: RunIdSchema,
  references: z.array(EvidenceReferenceSchema).max(20),
};

/** `image.published`: the first publication of the image's release tags (none existed before). */
export const ImagePublishedDataSchema = z.object({
  ...ImageFields,
  tags: z
    .array(z.object({ tag: EventTagSchema, digest: DigestSchema }))
    .min(1)
    .max(100),
});
export type ImagePublishedData = z.infer<typeof ImagePublishedDataSchema>;

/** `image.updated`: at least one release tag moved; per tag where it pointed before (absent: a tag new in this update). */
export const ImageUpdatedDataSchema = z.object({
  ...ImageFields,
  tags: z
    .array(z.object({ tag: EventTagSchema, digest: DigestSchema, previous: DigestSchema.optional() }))
    .min(1)
    .max(100),
  cvesFixed: z.array(FixedVulnerabilitySchema).max(10_000),
  /** The highest severity among `cvesFixed`; absent when none was fixed. */
  highestSeverityFixed: EventSeveritySchema.optional(),
});
export type ImageUpdatedData = z.infer<typeof ImageUpdatedDataSchema>;

/** `pipeline.failed`: a run failed for good. */
export const PipelineFailedDataSchema = z.object({
  runId: RunIdSchema,
  definition: DefinitionSchema,
  stage: z.string().min(1).max(40).optional(),
  code: z.string().regex(/^[a-z][a-z0-9-]{1,63}$/, 'expected a kebab-case error code'),
  /** Why, for a person: one line, control characters replaced, at most 1000 characters. */
  reason: z.string().max(1001),
  pullRequest: z.object({ url: HttpUrlSchema, number: z.number().int().positive().optional() }).optional(),
  image: EventImageNameSchema.optional(),
});
export type PipelineFailedData = z.infer<typeof PipelineFailedDataSchema>;

const PullRequestFields = {
  /** The definitions repository on the forge (`owner/name`). */
  repository: z.string().min(1).max(200),
  number: z.number().int().positive(),
  url: HttpUrlSchema,
  patchRequest: z.string().min(1).max(200),
  image: EventImageNameSchema.optional(),
};

/** `pr.opened`: the factory opened a pull request for a PatchRequest. */
export const PrOpenedDataSchema = z.object(PullRequestFields);
export type PrOpenedData = z.infer<typeof PrOpenedDataSchema>;

/** `pr.merged`: a PatchRequest's pull request was merged. */
export const PrMergedDataSchema = z.object({
  ...PullRequestFields,
  mergeCommit: z
    .string()
    .regex(/^[0-9a-f]{40,64}$/)
    .optional(),
});
export type PrMergedData = z.infer<typeof PrMergedDataSchema>;

/** `subscription.disabled`: an endpoint was disabled (sent to the owner's other subscriptions). */
export const SubscriptionDisabledDataSchema = z.object({
  subscription: z.string().min(1).max(100),
  /** The host of the endpoint's URL only (never its path or query, which may hold tokens). */
  host: z.string().min(1).max(255),
  reason: z.string().max(1001),
  since: TimeSchema,
});
export type SubscriptionDisabledData = z.infer<typeof SubscriptionDisabledDataSchema>;
