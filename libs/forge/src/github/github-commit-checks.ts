import type { Octokit } from '@octokit/rest';
import type { ForgeLogger } from '../forge-logger';
import { checkRunState, statusState, type ReportedCheck, type RequiredCheck } from './commit-checks';
import { httpFailure } from './github-http-failure';

/** Pages of 100 read per list (statuses, check runs): at most 1,000 of each. */
const MAX_PAGES = 10;

/** How the adapter runs one request: its data, or a PipelineError naming `what`. */
export type GithubCall = <T>(what: string, fn: () => Promise<{ data: T }>) => Promise<T>;

/** Where the checks are read. */
export interface CommitChecksTarget {
  owner: string;
  repo: string;
  /** The head commit. */
  sha: string;
}

/**
 * Every check reported on a commit: the latest status of each context (the combined status)
 * and the latest check run of each name (the Checks API; GitHub Actions reports only these),
 * each list read page by page up to 1,000 entries.
 */
export async function readReportedChecks(
  octokit: Octokit,
  call: GithubCall,
  t: CommitChecksTarget,
): Promise<ReportedCheck[]> {
  const repo = { owner: t.owner, repo: t.repo };
  const checks: ReportedCheck[] = [];
  for (let page = 1, seen = 0; page <= MAX_PAGES; page++) {
    const combined = await call(`read the commit statuses of ${t.sha}`, () =>
      octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: t.sha, per_page: 100, page }),
    );
    for (const s of combined.statuses)
      checks.push({ kind: 'status', name: s.context, state: statusState(s.state), said: s.state });
    seen += combined.statuses.length;
    if (combined.statuses.length < 100 || seen >= combined.total_count) break;
  }
  for (let page = 1, seen = 0; page <= MAX_PAGES; page++) {
    const runs = await call(`read the check runs of ${t.sha}`, () =>
      octokit.rest.checks.listForRef({ ...repo, ref: t.sha, filter: 'latest', per_page: 100, page }),
    );
    for (const r of runs.check_runs) {
      const said = r.status === 'completed' ? (r.conclusion ?? 'no conclusion') : r.status;
      checks.push({
        kind: 'check run',
        name: r.name,
        state: checkRunState(r.status, r.conclusion),
        said,
        ...(r.app?.id !== undefined ? { appId: r.app.id } : {}),
      });
    }
    seen += runs.check_runs.length;
    if (runs.check_runs.length < 100 || seen >= runs.total_count) break;
  }
  return checks;
}

/**
 * The checks branch protection requires on `branch` (GET …/protection/required_status_checks).
 * 404: the branch is not protected, nothing is required. 403: the token may not read branch
 * protection (it needs Administration: read); GitHub still enforces it when merging, so the
 * factory goes on with the checks it sees and logs a warning.
 */
export async function readRequiredChecks(
  octokit: Octokit,
  fail: (error: unknown, what: string) => Error,
  logger: ForgeLogger,
  t: { owner: string; repo: string; branch: string },
): Promise<RequiredCheck[]> {
  const what = `read the required checks of ${t.branch}`;
  try {
    const { data } = await octokit.rest.repos.getStatusChecksProtection({
      owner: t.owner,
      repo: t.repo,
      branch: t.branch,
    });
    const required = new Map<string, RequiredCheck>();
    for (const c of data.checks) {
      const appId = c.app_id === null || c.app_id === -1 ? undefined : c.app_id;
      required.set(`${c.context}\u0000${appId ?? ''}`, {
        context: c.context,
        ...(appId !== undefined ? { appId } : {}),
      });
    }
    for (const context of data.contexts ?? []) {
      if (![...required.values()].some((r) => r.context === context)) required.set(`${context}\u0000`, { context });
    }
    return [...required.values()];
  } catch (error) {
    const status = httpFailure(error)?.status;
    if (status === 404) return [];
    if (status === 403) {
      logger.warn(
        { branch: t.branch, status },
        'github: the token cannot read branch protection; judging by the reported checks',
      );
      return [];
    }
    throw fail(error, what);
  }
}
