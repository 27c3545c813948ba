import { z } from 'zod';
import { DeadLetterPayloadSchema, PipelineRunSchema, type PipelineRun } from '@patch-factory/contracts';
import { ApiError } from './api-client';

/** What the operator API answers, checked before anything is printed (libs/api). */
export const RunListSchema = z.object({ runs: z.array(PipelineRunSchema) });
export const TriggeredRunSchema = z.object({ runId: z.string(), traceId: z.string() });
export const DeadLetterSchema = z.object({ ...DeadLetterPayloadSchema.shape, id: z.string() });
export type DeadLetter = z.infer<typeof DeadLetterSchema>;
export const DeadLetterListSchema = z.object({ entries: z.array(DeadLetterSchema) });
export const ReplayedSchema = z.object({ queue: z.string(), jobId: z.string(), jobName: z.string() });

export type { PipelineRun };

/** The body checked against its schema; a mismatch is an error naming the first bad fields. */
export function decode<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
  throw new ApiError('bad-response', `the API answered with an unexpected ${what}: ${issues}`);
}
