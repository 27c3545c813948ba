import { z } from 'zod';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** One release tag that a promotion pointed at an image: where it pointed before (absent: a new tag). */
export const TagMoveSchema = z.object({
  tag: z.string().min(1).max(128),
  digest: z.string().regex(DIGEST),
  previous: z.string().regex(DIGEST).optional(),
});
export type TagMove = z.infer<typeof TagMoveSchema>;

/**
 * What subscribers hear when an image changes (the notifier sends these as webhooks):
 * `image.published` when none of the image's release tags existed before, `image.updated`
 * when at least one moved. One event per promotion that moved a tag; its id is the run's.
 */
export const ImageEventSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(['image.published', 'image.updated']),
  /** Registry host and repository (`registry.example.com/examples/redis`). */
  repository: z.string().min(1).max(500),
  digest: z.string().regex(DIGEST),
  tags: z.array(TagMoveSchema).max(100),
  /** Vulnerability ids the new image no longer has, against the previous published image. */
  cvesFixed: z.array(z.string().min(1).max(100)).max(10_000),
  runId: z.string().min(1).max(100),
  definition: z.string().min(1).max(1000),
  /** Epoch ms. */
  at: z.number().int().nonnegative(),
});
export type ImageEvent = z.infer<typeof ImageEventSchema>;
