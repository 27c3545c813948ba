import { z } from 'zod';
import { closestBranch } from './closest-branch';

export interface OneOfOptions {
  /** What a value of this kind is called in messages, e.g. "track entry". */
  name: string;
  /** One label per branch, for the message when a value matches several. */
  labels: readonly string[];
  /** A key whose value tells the branches apart (e.g. `type`), for better messages. */
  discriminator?: string;
}

/**
 * JSON Schema `oneOf`: the value is valid when exactly one branch accepts it, invalid when
 * none does and also when two or more do. (zod's union is `anyOf`: the first match wins.)
 * When no branch accepts the value, the issues reported are those of the branch the value
 * looks meant for (see {@link closestBranch}); the value passes through unchanged.
 */
export function oneOf<const T extends readonly [z.ZodType, ...z.ZodType[]]>(
  branches: T,
  options: OneOfOptions,
): z.ZodType<z.output<T[number]>> {
  return z.custom<z.output<T[number]>>().superRefine((value, ctx) => {
    const failures: z.core.$ZodIssue[][] = [];
    const matched: string[] = [];
    branches.forEach((branch, i) => {
      const result = branch.safeParse(value);
      if (result.success) matched.push(options.labels[i] ?? `form ${i + 1}`);
      else failures.push(result.error.issues);
    });
    if (matched.length === 1) return;
    if (matched.length > 1) {
      ctx.addIssue({
        code: 'custom',
        message: `this ${options.name} fits ${matched.length} forms (${matched.join('; ')}) but the schema's oneOf allows exactly one`,
        params: { oneOf: matched },
      });
      return;
    }
    for (const issue of closestBranch(failures, options.discriminator)) ctx.addIssue(issue as z.core.$ZodRawIssue);
  });
}
