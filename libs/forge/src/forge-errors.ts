import { TerminalError } from '@patch-factory/contracts';
import type { z } from 'zod';

/**
 * Stable kebab-case codes of the failures this lib raises (rule 5 of DESIGN.md). Terminal codes
 * name input or configuration a person has to fix; retryable codes name a state that may pass.
 */
export const ForgeErrorCode = {
  /** An image, os, stream, branch, path, ref, variable or run id failed the hostile-input checks. */
  unsafeInput: 'forge-unsafe-input',
  /** A configuration value (remote URL, author, token, policy) is missing or malformed. */
  invalidConfig: 'forge-invalid-config',
  /** The work dir holds something that is not our clone, or a path in it is a symlink. */
  unsafeWorkDir: 'forge-unsafe-work-dir',
  /** A git command failed in a way that may pass (network, 5xx from the remote, a lock): retried. */
  gitFailed: 'forge-git-failed',
  /** The git remote refused the credentials (wrong or expired token, no access). */
  gitAuth: 'forge-git-auth',
  /** The git remote has no such repository (or the credentials cannot see it). */
  gitRemoteMissing: 'forge-git-remote-missing',
  /** git refused the command for good (invalid ref, bad object, bad URL, permissions on disk). */
  gitRefused: 'forge-git-refused',
  /** The catalog remote is a repository with a working tree whose branch git will not update. */
  remoteNotBare: 'forge-remote-not-bare',
  /** The patch branch has commits a person made: the factory does not overwrite them. */
  branchEdited: 'forge-branch-edited',
  /** The remote refused a push (branch protection, a server hook): a person must allow it. */
  pushRefused: 'forge-push-refused',
  /** The remote branch moved while we pushed (force-with-lease refused): retry re-reads it. */
  branchMoved: 'forge-branch-moved',
  /** The patch branch is not on the remote (it must be pushed before its change request). */
  branchMissing: 'forge-branch-missing',
  /** The default branch cannot be found on the remote. */
  baseMissing: 'forge-base-missing',
  /** The branch does not merge cleanly into the default branch. */
  mergeConflict: 'forge-merge-conflict',
  /** GitHub refused the token (401) or the token lacks a permission (403). */
  githubAuth: 'forge-github-auth',
  /** The repository or pull request does not exist or the token cannot see it (404). */
  githubNotFound: 'forge-github-not-found',
  /** GitHub rate limits still apply after the bounded retries. */
  githubRateLimited: 'forge-github-rate-limited',
  /** GitHub answered 5xx (or the connection failed) after the bounded retries. */
  githubUnavailable: 'forge-github-unavailable',
  /** GitHub refused the request as invalid (422 other than an existing pull request). */
  githubRejected: 'forge-github-rejected',
  /** The pull request cannot be merged now (405/409: checks, reviews or head moved). */
  notMergeable: 'forge-not-mergeable',
  /** A provider name that has no entry in the forge registry. */
  unknownProvider: 'forge-unknown-provider',
} as const;
export type ForgeErrorCode = (typeof ForgeErrorCode)[keyof typeof ForgeErrorCode];

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
