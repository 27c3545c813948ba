import { z } from 'zod';
import { JsonIntegerSchema, StringListSchema } from './json-value.schema';

/** One `tests[]` entry: commands run in the built image and the exit code expected. */
export const ImageTestSchema = z.strictObject({
  name: z.string().optional(),
  directory: z.string().optional(),
  commands: StringListSchema.optional(),
  'exit-code': JsonIntegerSchema,
  timeout: JsonIntegerSchema.optional(),
  output: z.string().optional(),
});

export type ImageTest = z.output<typeof ImageTestSchema>;
