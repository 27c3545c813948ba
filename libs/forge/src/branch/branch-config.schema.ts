import { z } from 'zod';
import { AutoMergePolicySchema } from '../auto-merge-policy.schema';

/** Configuration of the `branch` forge provider (no pull requests: merge into the default branch). */
export const BranchForgeConfigSchema = z
  .object({
    provider: z.literal('branch'),
    /** Which severity merges without a person (default DEFAULT_AUTO_MERGE_POLICY). */
    autoMergePolicy: AutoMergePolicySchema.optional(),
  })
  .strict();

export type BranchForgeConfig = z.input<typeof BranchForgeConfigSchema>;
export type ParsedBranchForgeConfig = z.output<typeof BranchForgeConfigSchema>;
