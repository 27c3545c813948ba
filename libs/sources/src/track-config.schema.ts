import { TerminalError } from '@patch-factory/contracts';
import { z } from 'zod';
import { compileMatch, MAX_PATTERN_LENGTH, type SafeMatch } from './safe-match';
import { SourceErrorCode } from './sources-errors';

/** A variable name of a definition (`VERSION`, `GIT_COMMIT`). */
export const VarNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'expected a variable name');

/** A `match` regular expression (compiled later by compileMatch). */
export const MatchSchema = z.string().min(1).max(MAX_PATTERN_LENGTH);

/** The DHI `set:` of a git-like track: a variable name, or a list of {var, value, match}. */
export const SetSchema = z.union([
  VarNameSchema,
  z
    .array(z.object({ var: VarNameSchema, value: z.enum(['commit', 'tag', 'name']), match: MatchSchema.optional() }))
    .min(1)
    .max(32),
]);

/** A GitHub owner and repository name. */
export const OwnerSchema = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'expected a GitHub user or organisation name');
export const RepoSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected a GitHub repository name')
  .refine((r) => r !== '.' && r !== '..', 'expected a GitHub repository name');

/** One variable a version sets: from which field, through which optional pattern. */
export interface SetRule {
  var: string;
  value: 'commit' | 'tag' | 'name' | 'version';
  match?: SafeMatch;
}

/** The parts of a track entry every git-like source shares, compiled. */
export interface CompiledTrack {
  match?: SafeMatch;
  set: SetRule[];
}

/** Compile `match` and `set` (a plain string sets that variable to the version). */
export function compileTrack(match: string | undefined, set: z.infer<typeof SetSchema>): CompiledTrack {
  return {
    ...(match === undefined ? {} : { match: compileMatch(match) }),
    set:
      typeof set === 'string'
        ? [{ var: set, value: 'version' }]
        : set.map((s) => ({
            var: s.var,
            value: s.value,
            ...(s.match === undefined ? {} : { match: compileMatch(s.match) }),
          })),
  };
}

/** Parse `raw` with `schema` or throw TerminalError(source-invalid-config) naming the field. */
export function parseTrack<T>(kind: string, schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(entry)';
  throw new TerminalError(
    SourceErrorCode.invalidConfig,
    `the ${kind} track entry is invalid at ${where}: ${issue?.message ?? 'invalid'}`,
  );
}
