import { z } from 'zod';

const rule = z.object({ autoMerge: z.boolean(), method: z.enum(['merge', 'squash', 'rebase']) }).strict();

/**
 * A whole per-severity table (every severity named: no silent default for a missing row), and
 * `allowUnchecked`: merge a change whose head commit has no checks at all (no commit status,
 * no check run). Default false: a repository without CI is never merged by the factory.
 */
export const AutoMergePolicySchema = z
  .object({ critical: rule, high: rule, medium: rule, low: rule, none: rule, allowUnchecked: z.boolean().optional() })
  .strict();
