import { z } from 'zod';
import { BUILD_CONTENTS_SHAPE } from './build-contents.schema';
import { BuildSchema } from './build.schema';

/** `contents:` — repositories, keys, packages, files and build stages of the image. */
export const ContentsSchema = z.strictObject({
  ...BUILD_CONTENTS_SHAPE,
  builds: z.array(BuildSchema).optional(),
});

export type Contents = z.output<typeof ContentsSchema>;
