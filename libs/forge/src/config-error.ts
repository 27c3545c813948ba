import { TerminalError } from '@patch-factory/contracts';
import type { z } from 'zod';
import { ForgeErrorCode } from './forge-error-code';

/** Parse a config with its schema; a failure names the field and the rule, never the value. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new TerminalError(
    ForgeErrorCode.invalidConfig,
    `the ${what} config is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown problem'}`,
  );
}
