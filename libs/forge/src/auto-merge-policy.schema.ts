import { z } from 'zod';

const rule = z.object({ autoMerge: z.boolean(), method: z.enum(['merge', 'squash', 'rebase']) }).strict();

/** A whole per-severity table (every severity named: no silent default for a missing row). */
export const AutoMergePolicySchema = z
  .object({ critical: rule, high: rule, medium: rule, low: rule, none: rule })
  .strict();
