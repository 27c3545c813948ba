import { z } from 'zod';
import { JsonIntegerSchema, PlatformListSchema } from './json-value.schema';

/** What a `paths[]` entry does to the image file system. */
export const PATH_TYPES = ['symlink', 'directory', 'file', 'delete', 'emptyfile'] as const;

/** One `paths[]` entry (of an image or a build): a path to create, link or delete. */
export const PathEntrySchema = z.strictObject({
  type: z.enum(PATH_TYPES),
  path: z.string(),
  if: z.string().optional(),
  content: z.string().optional(),
  uid: JsonIntegerSchema.optional(),
  gid: JsonIntegerSchema.optional(),
  mode: z.string().optional(),
  source: z.string().optional(),
  recursive: z.boolean().optional(),
  /** Default: every platform. */
  platforms: PlatformListSchema.optional(),
});

export type PathEntry = z.output<typeof PathEntrySchema>;
