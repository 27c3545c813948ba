import { z } from 'zod';
import { JsonIntegerSchema } from './json-value.schema';

/** One `builds[].outputs[]` entry: what of the build's file system goes into the image. */
export const BuildOutputSchema = z.strictObject({
  source: z.string().optional(),
  target: z.string().optional(),
  if: z.string().optional(),
  uid: JsonIntegerSchema.optional(),
  gid: JsonIntegerSchema.optional(),
  mode: z.string().optional(),
  diff: z.boolean().optional(),
});

/** One `builds[].attestations[]` entry: an in-toto predicate the build produces. */
export const BuildAttestationSchema = z.strictObject({
  if: z.string().optional(),
  'predicate-type': z.string().optional(),
  source: z.string().optional(),
  diff: z.boolean().optional(),
});
