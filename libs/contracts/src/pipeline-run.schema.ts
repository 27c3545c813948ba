import { z } from 'zod';
import { STAGE_NAMES } from './stage-name';

/** `superseded`: a newer run of the same definition on the same pull request is promoted instead (never this one). */
export const RUN_STATES = ['queued', 'running', 'awaiting', 'succeeded', 'failed', 'superseded'] as const;
export type RunState = (typeof RUN_STATES)[number];

export const STAGE_STATUSES = [
  'pending',
  'queued',
  'running',
  'awaiting',
  'succeeded',
  'failed',
  'superseded',
] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export const RunErrorSchema = z.object({
  stage: z.enum(STAGE_NAMES).optional(),
  code: z.string(),
  message: z.string(),
});
export type RunError = z.infer<typeof RunErrorSchema>;

export const StageRecordSchema = z.object({
  stage: z.enum(STAGE_NAMES),
  status: z.enum(STAGE_STATUSES),
  attempts: z.number().int(),
  queuedAt: z.number().int().optional(),
  startedAt: z.number().int().optional(),
  finishedAt: z.number().int().optional(),
  durationMs: z.number().int().optional(),
  artifacts: z.record(z.string(), z.string()),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  awaiting: z.string().optional(),
  /** The run that superseded this one at this stage (status `superseded`). */
  supersededBy: z.string().optional(),
  /** Fencing token of the stage's current execution (set by each start; a newer start replaces it). */
  token: z.string().optional(),
  /** Token of the execution whose completion the store accepted (exactly one per succeeded stage). */
  completedToken: z.string().optional(),
  /** Transitions of this stage refused as out of date (stale token, never started, out of order). */
  refusals: z.number().int().optional(),
});
export type StageRecord = z.infer<typeof StageRecordSchema>;

export const RunTriggerSchema = z.object({
  kind: z.enum(['manual', 'upstream', 'advisory']),
  ref: z.string().max(512).optional(),
});
export type RunTrigger = z.infer<typeof RunTriggerSchema>;

/** One run through the stages for one definition and one trigger. */
export const PipelineRunSchema = z.object({
  id: z.string(),
  definition: z.string(),
  trigger: RunTriggerSchema,
  state: z.enum(RUN_STATES),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  finishedAt: z.number().int().optional(),
  traceId: z.string().optional(),
  stages: z.array(StageRecordSchema),
  error: RunErrorSchema.optional(),
  /** The newer run of the same definition that superseded this one (state `superseded`). */
  supersededBy: z.string().optional(),
});
export type PipelineRun = z.infer<typeof PipelineRunSchema>;
