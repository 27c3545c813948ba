import { z } from 'zod';
import { InfoAdvisorySchema } from './info-advisory.schema';
import { StringListSchema } from './json-value.schema';

/** The catalog categories an image can be listed under. */
export const INFO_CATEGORIES = [
  'networking',
  'security',
  'languages-and-frameworks',
  'integration-and-delivery',
  'message-queues',
  'api-management',
  'internet-of-things',
  'machine-learning-and-ai',
  'developer-tools',
  'data-science',
  'web-servers',
  'operating-systems',
  'content-management-system',
  'databases-and-storage',
  'monitoring-and-observability',
  'web-analytics',
] as const;

/**
 * Keys info.spec.json lists as required in `metadata` that no info.yaml of the catalog has
 * (all 554 omit all four; the schema looks generated from a struct whose fields it marks
 * required). {@link InfoMetadataSchema} makes them optional; {@link StrictInfoMetadataSchema}
 * is the spec to the letter.
 */
export const INFO_KEYS_THE_CATALOG_OMITS = [
  'fips-compliant',
  'fips-modules',
  'stig-certified',
  'alternatives',
] as const;

/** `metadata:` of info.yaml exactly as info.spec.json has it (nine required keys). */
export const StrictInfoMetadataSchema = z.strictObject({
  'display-name': z.string(),
  'short-description': z.string(),
  featured: z.boolean(),
  'fips-compliant': z.boolean(),
  'fips-modules': StringListSchema,
  'stig-certified': z.boolean(),
  'home-url': z.string(),
  categories: z.array(z.enum(INFO_CATEGORIES)),
  alternatives: StringListSchema,
  'included-tools': z.array(z.strictObject({ name: z.string(), description: z.string() })).optional(),
  advisories: z.array(InfoAdvisorySchema).optional(),
});

/** `metadata:` of info.yaml as the catalog writes it: {@link INFO_KEYS_THE_CATALOG_OMITS} optional. */
export const InfoMetadataSchema = StrictInfoMetadataSchema.partial({
  'fips-compliant': true,
  'fips-modules': true,
  'stig-certified': true,
  alternatives: true,
});

export type InfoMetadata = z.output<typeof InfoMetadataSchema>;
