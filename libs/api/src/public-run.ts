import { z } from 'zod';
import { PipelineRunSchema, StageRecordSchema, type PipelineRun } from '@patch-factory/contracts';

/**
 * A stage as the API shows it: without the fencing tokens of its executions (BullMQ lock
 * tokens: internal to the workers, of no use to a reader, and not to be handed out).
 */
// Strict: the document says exactly what a run answer holds (a fencing token appearing in one fails its spec).
export const PublicStageRecordSchema = StageRecordSchema.omit({ token: true, completedToken: true })
  .strict()
  .meta({ id: 'StageRecord' });
export const PublicPipelineRunSchema = PipelineRunSchema.extend({ stages: z.array(PublicStageRecordSchema) })
  .strict()
  .meta({ id: 'PipelineRun' });
export type PublicPipelineRun = z.infer<typeof PublicPipelineRunSchema>;

/** The run without its stages' fencing tokens. */
export function publicRun(run: PipelineRun): PublicPipelineRun {
  return { ...run, stages: run.stages.map(({ token: _token, completedToken: _completed, ...stage }) => stage) };
}
