import { z } from 'zod';
import { StringListSchema } from './json-value.schema';

/** One advisory feed of an image (`advisories[]` and `metadata.advisories[]` of info.yaml). */
export const InfoAdvisorySchema = z.strictObject({
  type: z.enum(['github_advisories', 'github', 'nist']),
  source: z.string(),
  format: z.enum(['github', 'osv', 'node', 'nist']),
  match: z.string().optional(),
  exclusions: z.array(z.strictObject({ package: z.string().optional(), ecosystem: z.string().optional() })).optional(),
  packages: StringListSchema.optional(),
});

export type InfoAdvisory = z.output<typeof InfoAdvisorySchema>;
