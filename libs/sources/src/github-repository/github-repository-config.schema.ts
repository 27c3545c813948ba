import { TerminalError } from '@patch-factory/contracts';
import { z } from 'zod';
import { SourceErrorCode } from '../sources-errors';
import { OwnerSchema, parseTrack, RepoSchema, VarNameSchema } from '../track-config.schema';

/** What a variable of a github_repository `set:` receives from the branch's head commit. */
export const BRANCH_HEAD_VALUES = ['commit', 'short-commit', 'date'] as const;
export type BranchHeadValue = (typeof BRANCH_HEAD_VALUES)[number];

/** Most variables one github_repository entry sets. */
const MAX_SET = 32;

/** A branch name as git allows it, kept to safe characters: segments of `A-Za-z0-9._-` joined by `/`, no `..`. */
const BranchSchema = z
  .string()
  .max(255)
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/,
    'expected a branch name (letters, digits, . _ - and / between parts)',
  )
  .refine(
    (b) => !b.includes('..') && !b.endsWith('.lock') && !b.endsWith('.'),
    'expected a branch name git allows (no "..", no trailing "." or ".lock")',
  );

/**
 * A DHI `track:` entry of type github_repository: the head commit of a branch of a GitHub
 * repository (`branch`, default: the repository's default branch).
 *
 * The format types its `set` only as an object. It is read here as a record from a variable
 * name to what the variable receives from the head commit:
 * - `commit`: the full commit id (40 hex digits; 64 for a SHA-256 repository);
 * - `short-commit`: its first 12 hex digits;
 * - `date`: the commit's committer date, UTC, as `YYYYMMDD` (for snapshot versions such as
 *   `0.0.0-20260304`).
 * e.g. `set: {SOURCE_COMMIT: commit, SOURCE_DATE: date}`. Any other value, a key that is not a
 * variable name, or an empty record is refused, naming the key.
 */
export const GithubRepositoryTrackSchema = z.object({
  type: z.literal('github_repository'),
  owner: OwnerSchema,
  repo: RepoSchema,
  branch: BranchSchema.optional(),
  set: z.record(z.string(), z.unknown(), {
    error: 'expected a mapping of variable names to commit, short-commit or date',
  }),
});

/** A github_repository entry, validated. */
export interface GithubRepositoryConfig {
  owner: string;
  repo: string;
  /** Undefined: the repository's default branch, asked each poll. */
  branch?: string;
  /** Variable name → what it receives, in the entry's order. */
  set: { var: string; value: BranchHeadValue }[];
}

/** Validate a github_repository entry (TerminalError(source-invalid-config) naming the field or the `set` key). */
export function parseGithubRepositoryConfig(raw: unknown): GithubRepositoryConfig {
  const t = parseTrack('github_repository', GithubRepositoryTrackSchema, raw);
  const invalid = (where: string, message: string) =>
    new TerminalError(
      SourceErrorCode.invalidConfig,
      `the github_repository track entry is invalid at ${where}: ${message}`,
    );
  const entries = Object.entries(t.set);
  if (entries.length === 0) throw invalid('set', 'expected at least one variable');
  if (entries.length > MAX_SET) throw invalid('set', `expected at most ${MAX_SET} variables, got ${entries.length}`);
  const set = entries.map(([name, value]) => {
    const key = `set.${JSON.stringify(name.slice(0, 60))}`;
    if (!VarNameSchema.safeParse(name).success)
      throw invalid(key, 'expected a variable name (a letter or _, then letters, digits or _, at most 128)');
    if (typeof value !== 'string' || !(BRANCH_HEAD_VALUES as readonly string[]).includes(value)) {
      const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
      throw invalid(key, `expected ${BRANCH_HEAD_VALUES.join(', ')}, got ${shown}`);
    }
    return { var: name, value: value as BranchHeadValue };
  });
  return { owner: t.owner, repo: t.repo, ...(t.branch === undefined ? {} : { branch: t.branch }), set };
}
