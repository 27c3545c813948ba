import { z } from 'zod';

/** `X-GitHub-Delivery`: the GUID of a delivery, the same on every redelivery. */
export const DeliveryIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected the delivery GUID');
/** `X-GitHub-Event`: the event name. */
export const EventNameSchema = z.string().regex(/^[a-z_]{1,64}$/, 'expected an event name such as pull_request');

/** The part of a `pull_request` event the factory reads. */
export const PullRequestEventSchema = z.object({
  action: z.string().max(64),
  pull_request: z.object({
    number: z.number().int().positive(),
    merged: z.boolean().nullable().optional(),
    merge_commit_sha: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .nullable()
      .optional(),
    head: z.object({ ref: z.string().min(1).max(255) }),
    base: z.object({ ref: z.string().min(1).max(255) }),
  }),
  /** Where the pull request lives: only the catalog repository's merges promote. */
  repository: z
    .object({ full_name: z.string().max(256), default_branch: z.string().min(1).max(255).optional() })
    .optional(),
});
export type PullRequestEvent = z.infer<typeof PullRequestEventSchema>;

/** The part of a `release` event the factory reads. */
export const ReleaseEventSchema = z.object({
  action: z.string().max(64),
  release: z.object({ tag_name: z.string().max(256) }).loose(),
  repository: z.object({
    full_name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'expected owner/repo'),
  }),
});
