import { z } from 'zod';
import {
  DefinitionPathSchema,
  RUN_STATES,
  RunTriggerSchema,
  STAGE_NAMES,
  UpstreamEventSchema,
} from '@patch-factory/contracts';

const RUN_STAGE_NAMES = STAGE_NAMES.filter((s) => s !== 'watch') as [
  Exclude<(typeof STAGE_NAMES)[number], 'watch'>,
  ...Exclude<(typeof STAGE_NAMES)[number], 'watch'>[],
];

export const TriggerRunBodySchema = z
  .object({
    definition: DefinitionPathSchema,
    /**
     * Only `manual`: upstream and advisory runs are started by the factory from its events
     * (POST /events/*), which decide the PatchRequest a run belongs to. A caller naming one
     * could attach its run to another's PatchRequest (its review, its pull request).
     */
    trigger: z.strictObject({ kind: z.literal('manual'), ref: RunTriggerSchema.shape.ref }).optional(),
    /** First and last stage of a partial run (e.g. build → publish for a rebuild). */
    from: z.enum(RUN_STAGE_NAMES).optional(),
    to: z.enum(RUN_STAGE_NAMES).optional(),
  })
  .strict()
  .meta({ id: 'TriggerRun' });

export const ListRunsQuerySchema = z
  .object({
    state: z.enum(RUN_STATES).optional(),
    definition: DefinitionPathSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const ListDeadLettersQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(1000).optional() })
  .strict();

/** Ids in paths: run ids and dead-letter ids are plain tokens. */
export const PathIdSchema = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9._-]+$/, 'expected an id of letters, digits and . _ -');

/**
 * Every error answer (ApiErrorFilter): a stable code and a message for the caller; an unexpected
 * failure (503 unavailable) also names the request id under which the server logged its cause.
 */
export const ErrorBodySchema = z
  .strictObject({ error: z.strictObject({ code: z.string(), message: z.string(), requestId: z.string().optional() }) })
  .meta({ id: 'Error' });

/** An upstream event as the API takes it: none of the fields the factory decides (the factory sets id and firstSeenAt). */
export const PostUpstreamEventSchema = UpstreamEventSchema.omit({
  id: true,
  severity: true,
  advisory: true,
  security: true,
  firstSeenAt: true,
})
  .strict()
  .meta({ id: 'UpstreamEvent' });
