import type { Env } from '@patch-factory/config';
import type { PullRequestEvent } from './github-webhook.schema';

/** Why a merged pull request may not promote: undefined when it is the catalog's own. */
export function pullRequestScopeProblem(
  config: Pick<Env, 'PF_GITHUB_OWNER' | 'PF_GITHUB_REPO' | 'PF_CATALOG_BRANCH'>,
  pr: PullRequestEvent,
): string | undefined {
  if (!config.PF_GITHUB_OWNER || !config.PF_GITHUB_REPO)
    return 'repository-not-configured: PF_GITHUB_OWNER and PF_GITHUB_REPO name no catalog repository';
  const expected = `${config.PF_GITHUB_OWNER}/${config.PF_GITHUB_REPO}`.toLowerCase();
  const repository = pr.repository?.full_name;
  if (repository?.toLowerCase() !== expected)
    return `other-repository: ${JSON.stringify(repository ?? null)} is not the catalog repository ${expected}`;
  // The catalog branch: configured, else the repository's default branch as GitHub states it in this signed payload.
  const branch = config.PF_CATALOG_BRANCH ?? pr.repository?.default_branch;
  if (!branch) return 'base-branch-unknown: PF_CATALOG_BRANCH is not set and the event names no default branch';
  if (pr.pull_request.base.ref !== branch)
    return `other-base-branch: ${JSON.stringify(pr.pull_request.base.ref)} is not the catalog branch ${JSON.stringify(branch)}`;
  return undefined;
}
