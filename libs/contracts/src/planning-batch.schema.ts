import { z } from 'zod';

/**
 * The continuation of a batched advisory: the next `PF_ADVISORY_EVENT_BATCH` planning jobs of
 * the batch stored under `batch` (its event ids are in the store), starting at `offset`.
 */
export const PlanningBatchJobSchema = z
  .object({
    v: z.literal(1),
    batch: z.string().regex(/^[a-f0-9]{32}$/, 'expected a planning batch id (32 hex digits)'),
    offset: z.number().int().min(1).max(1_000_000),
  })
  .strict();
export type PlanningBatchJob = z.infer<typeof PlanningBatchJobSchema>;
