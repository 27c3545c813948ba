import { pullRequestScopeProblem } from './github-pull-request-scope';
import type { PullRequestEvent } from './github-webhook.schema';

const pr = (repository: string | undefined, base: string, defaultBranch?: string): PullRequestEvent => ({
  action: 'closed',
  pull_request: { number: 1, merged: true, head: { ref: 'pf/x/y/1' }, base: { ref: base } },
  ...(repository === undefined
    ? {}
    : { repository: { full_name: repository, ...(defaultBranch ? { default_branch: defaultBranch } : {}) } }),
});
const catalog = { PF_GITHUB_OWNER: 'Acme', PF_GITHUB_REPO: 'Catalog', PF_CATALOG_BRANCH: undefined };

describe('which merged pull requests may promote (issue 14)', () => {
  it('accepts the catalog repository in any case, into the configured branch or else the default branch', () => {
    expect(
      pullRequestScopeProblem({ ...catalog, PF_CATALOG_BRANCH: 'stable' }, pr('acme/catalog', 'stable')),
    ).toBeUndefined();
    expect(pullRequestScopeProblem(catalog, pr('ACME/CATALOG', 'main', 'main'))).toBeUndefined();
  });

  it('refuses another repository, another base branch, an unknown branch and an unconfigured repository, naming why', () => {
    expect(pullRequestScopeProblem(catalog, pr('acme/catalog-fork', 'main', 'main'))).toMatch(
      /^other-repository: "acme\/catalog-fork"/,
    );
    expect(pullRequestScopeProblem(catalog, pr(undefined, 'main', 'main'))).toMatch(/^other-repository/);
    expect(
      pullRequestScopeProblem({ ...catalog, PF_CATALOG_BRANCH: 'stable' }, pr('acme/catalog', 'main', 'main')),
    ).toMatch(/^other-base-branch: "main"/);
    expect(pullRequestScopeProblem(catalog, pr('acme/catalog', 'dev', 'main'))).toMatch(/^other-base-branch: "dev"/);
    expect(pullRequestScopeProblem(catalog, pr('acme/catalog', 'main'))).toMatch(/^base-branch-unknown/);
    expect(
      pullRequestScopeProblem(
        { PF_GITHUB_OWNER: undefined, PF_GITHUB_REPO: undefined, PF_CATALOG_BRANCH: undefined },
        pr('acme/catalog', 'main', 'main'),
      ),
    ).toMatch(/^repository-not-configured/);
  });
});
