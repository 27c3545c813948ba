import { z } from 'zod';
import { PurlSchema } from './purl.schema';

const OsvEvent = z.object({
  introduced: z.string().max(128).optional(),
  fixed: z.string().max(128).optional(),
  last_affected: z.string().max(128).optional(),
  limit: z.string().max(128).optional(),
});

/** The part of an OSV advisory (schema 1.x) the factory reads; other fields are kept out. */
export const OsvAdvisorySchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'expected an OSV id such as CVE-2024-22018'),
  aliases: z.array(z.string().max(128)).max(64).optional(),
  published: z.string().max(64).optional(),
  modified: z.string().max(64),
  summary: z.string().max(4096).optional(),
  severity: z
    .array(z.object({ type: z.string().max(32), score: z.string().max(256) }))
    .max(16)
    .optional(),
  affected: z
    .array(
      z.object({
        package: z.object({ ecosystem: z.string().max(128), name: z.string().max(256), purl: PurlSchema.optional() }),
        ranges: z
          .array(z.object({ type: z.enum(['SEMVER', 'ECOSYSTEM', 'GIT']), events: z.array(OsvEvent).max(256) }))
          .max(64)
          .optional(),
        versions: z.array(z.string().max(128)).max(4096).optional(),
        database_specific: z
          .object({ severity: z.string().max(32).optional() })
          .loose()
          .optional(),
      }),
    )
    .max(256)
    // OSV allows an advisory without `affected` (e.g. withdrawn): nothing to patch.
    .default([]),
  withdrawn: z.string().max(64).optional(),
  database_specific: z
    .object({ severity: z.string().max(32).optional() })
    .loose()
    .optional(),
});
export type OsvAdvisory = z.infer<typeof OsvAdvisorySchema>;
