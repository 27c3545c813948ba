import { z } from 'zod';
import { DefinitionPathSchema, RUN_STATES, RunTriggerSchema } from '@patch-factory/contracts';

export const TriggerRunBodySchema = z
  .object({
    definition: DefinitionPathSchema,
    trigger: RunTriggerSchema.optional(),
  })
  .strict();

export const ListRunsQuerySchema = z
  .object({
    state: z.enum(RUN_STATES).optional(),
    definition: DefinitionPathSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const ListDeadLettersQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }).strict();

/** Ids in paths: run ids and dead-letter ids are plain tokens. */
export const PathIdSchema = z.string().min(1).max(300).regex(/^[A-Za-z0-9._-]+$/, 'expected an id of letters, digits and . _ -');

export const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
