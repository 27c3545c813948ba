import { z } from 'zod';
import { DefinitionPathSchema, RunIdSchema, TraceCarrierSchema } from './ids.schema';

/** The payload of every stage job: ids and references only; state lives in the store. */
export const StageJobPayloadSchema = z
  .object({
    v: z.literal(1),
    runId: RunIdSchema,
    definition: DefinitionPathSchema,
    trace: TraceCarrierSchema.optional(),
  })
  .strict();
export type StageJobPayload = z.infer<typeof StageJobPayloadSchema>;

/** A run failed for good before its review stage: the orchestrator puts the reason on its pull request. */
export const RunFailedJobSchema = z.object({ v: z.literal(1), runId: RunIdSchema }).strict();
export type RunFailedJob = z.infer<typeof RunFailedJobSchema>;
