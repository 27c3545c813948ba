import type { z } from 'zod';
import { TerminalError } from '@patch-factory/contracts';

/** Validates request input; a failure names each offending field. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, where: string): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : where}: ${i.message}`)
    .join('; ');
  throw new TerminalError('invalid-request', `${where}: ${issues}`);
}
