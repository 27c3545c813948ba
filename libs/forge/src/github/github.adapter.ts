import type { Octokit } from '@octokit/rest';
import { PipelineError, RetryableError, TerminalError } from '@patch-factory/contracts';
import {
  assertSeverity,
  autoMergeRuleFor,
  DEFAULT_AUTO_MERGE_POLICY,
  severityLabel,
  type AutoMergePolicy,
} from '../auto-merge-policy';
import { systemClock } from '../clock';
import type {
  ChangeRequest,
  EnsuredChangeRequest,
  Forge,
  MergeOutcome,
  MergeRequest,
  PullRequestRequest,
} from '../forge';
import { ForgeErrorCode, parseConfig } from '../forge-errors';
import { silentLogger, type ForgeLogger } from '../forge-logger';
import type { ForgeProvider } from '../forge-provider';
import { assertImageStream, branchNameFor, imageStreamKey, type ImageStream } from '../image-stream';
import { readStreamMarker, streamMarker } from '../pull-request-text';
import {
  assertSafeBaseBranch,
  assertSafeBranch,
  assertSafeLabel,
  assertSafeLine,
  assertSafeSegment,
} from '../safe-input';
import { judgeChecks, type ChecksVerdict } from './commit-checks';
import { createGithubClient } from './github-client';
import { readReportedChecks, readRequiredChecks, type GithubCall } from './github-commit-checks';
import { GithubForgeConfigSchema, type GithubForgeConfig, type ParsedGithubForgeConfig } from './github-config.schema';
import { githubError, httpFailure, isPullRequestAlreadyExists } from './github-http-failure';

type PullSummary = Awaited<ReturnType<Octokit['rest']['pulls']['list']>>['data'][number];
type PullDetail = Awaited<ReturnType<Octokit['rest']['pulls']['create']>>['data'];
type Pull = PullSummary | PullDetail;

/** Longest pull request body we send (GitHub's limit is 65,536 characters). */
const MAX_BODY = 60_000;
/** Pages of 100 open pull requests read when looking for superseded ones. */
const MAX_PAGES = 10;

/**
 * The `github` forge: pull requests on the definitions repository through the REST API
 * (@octokit/rest). One open pull request per branch (its head), found by `head=owner:branch`;
 * a pull request of an image stream is recognised by its marker line and the branch prefix,
 * and only on branches of this repository. Rate limits and retries: see createGithubClient.
 */
export class GithubForge implements Forge {
  readonly provider = 'github';
  private readonly policy: AutoMergePolicy;
  private readonly prefix: string;
  private readonly labels: string[];

  constructor(
    private readonly config: ParsedGithubForgeConfig,
    private readonly octokit: Octokit,
    private readonly logger: ForgeLogger = silentLogger,
  ) {
    this.policy = config.autoMergePolicy ?? DEFAULT_AUTO_MERGE_POLICY;
    this.prefix = assertSafeSegment('the branch prefix', config.branchPrefix);
    this.labels = config.labels.map(assertSafeLabel);
  }

  private get repo(): { owner: string; repo: string } {
    return { owner: this.config.owner, repo: this.config.repo };
  }

  async ensurePullRequest(request: PullRequestRequest): Promise<EnsuredChangeRequest> {
    const branch = assertSafeBranch(request.branch);
    const base = assertSafeBaseBranch(request.base);
    const title = assertSafeLine('the pull request title', request.title, 256);
    const stream = assertImageStream(request.imageStream);
    const severity = assertSeverity(request.severity);
    const body = `${checkBody(request.body)}\n\n${streamMarker(stream)}`;
    const wanted = unique([...this.labels, ...(request.labels ?? []).map(assertSafeLabel), severityLabel(severity)]);

    let action: EnsuredChangeRequest['action'] = 'unchanged';
    let pr: Pull | undefined = await this.findOpen(branch);
    if (!pr) {
      try {
        pr = (await this.octokit.rest.pulls.create({ ...this.repo, head: branch, base, title, body })).data;
        action = 'created';
        this.logger.info({ branch, number: pr.number }, 'pull request created');
      } catch (error) {
        const failure = httpFailure(error);
        if (!isPullRequestAlreadyExists(failure)) throw this.fail(error, `create the pull request for ${branch}`);
        // Made by a concurrent or earlier attempt: the idempotency key (the branch) already has its PR.
        pr = await this.findOpen(branch);
        if (!pr)
          throw new RetryableError(
            ForgeErrorCode.githubUnavailable,
            `GitHub says a pull request for ${branch} exists but does not list it yet`,
          );
      }
    }
    if (action !== 'created' && (pr.title !== title || (pr.body ?? '') !== body || pr.base.ref !== base)) {
      pr = await this.call(`update the pull request #${pr.number}`, () =>
        this.octokit.rest.pulls.update({ ...this.repo, pull_number: pr?.number ?? 0, title, body, base }),
      );
      action = 'updated';
    }
    if (
      await this.syncLabels(
        pr.number,
        pr.labels.map((l) => l.name ?? ''),
        wanted,
        severityLabel(severity),
      )
    ) {
      if (action === 'unchanged') action = 'updated';
    }
    return { ...this.toChangeRequest(pr), action };
  }

  async closeSuperseded(imageStream: ImageStream, keepBranch: string): Promise<ChangeRequest[]> {
    const stream = assertImageStream(imageStream);
    const keep = assertSafeBranch(keepBranch);
    const key = imageStreamKey(stream);
    const own = branchNameFor(stream, this.prefix);
    const closed: ChangeRequest[] = [];
    for (const pr of await this.listOpen()) {
      if (pr.head.ref === keep || !this.isOurBranch(pr)) continue;
      if (readStreamMarker(pr.body) !== key && pr.head.ref !== own) continue;
      closed.push(await this.close(pr, `superseded by the pull request of branch \`${keep}\``));
    }
    return closed;
  }

  async closeObsolete(branch: string, reason: string): Promise<ChangeRequest | undefined> {
    const b = assertSafeBranch(branch);
    const why = assertSafeLine('the reason', reason, 300).replace(/[<>`|[\]]/g, '');
    const pr = await this.findOpen(b);
    return pr ? this.close(pr, `no longer needed: ${why}`) : undefined;
  }

  async mergeWhenGreen(request: MergeRequest): Promise<MergeOutcome> {
    const branch = assertSafeBranch(request.branch);
    const rule = autoMergeRuleFor(this.policy, request.severity);
    const prs = await this.listByHead(branch, 'all');
    if (prs.some((p) => p.merged_at !== null)) return { status: 'already-merged' };
    const pr = prs.find((p) => p.state === 'open');
    if (!pr) return { status: 'no-change-request' };
    if (!rule.autoMerge)
      return { status: 'manual', detail: `the policy leaves ${request.severity} changes to a person` };
    if (!request.gatesPassed) return { status: 'gates-failed' };
    if (request.headSha !== undefined && pr.head.sha !== request.headSha)
      return { status: 'head-moved', detail: `the branch is at ${pr.head.sha}` };
    const verdict = await this.judgeChecks(pr.head.sha, pr.base.ref);
    if (verdict.state === 'failed') return { status: 'checks-failed', detail: verdict.detail };
    if (verdict.state === 'pending') return { status: 'checks-pending', detail: verdict.detail };
    if (verdict.state === 'none') {
      this.logger.info(
        { branch, number: pr.number, sha: pr.head.sha },
        'pull request not merged: its head commit reports no checks',
      );
      return { status: 'no-checks', detail: verdict.detail };
    }
    try {
      const merged = (
        await this.octokit.rest.pulls.merge({
          ...this.repo,
          pull_number: pr.number,
          sha: pr.head.sha,
          merge_method: rule.method,
        })
      ).data;
      this.logger.info({ branch, number: pr.number, method: rule.method }, 'pull request merged');
      return { status: 'merged', method: rule.method, sha: merged.sha };
    } catch (error) {
      const failure = httpFailure(error);
      if (failure?.status === 409) return { status: 'head-moved', detail: failure.message };
      if (failure?.status === 405 || failure?.status === 422) return { status: 'blocked', detail: failure.message };
      throw this.fail(error, `merge the pull request #${pr.number}`);
    }
  }

  async isMerged(branch: string): Promise<boolean> {
    const b = assertSafeBranch(branch);
    return (await this.listByHead(b, 'all')).some((p) => p.merged_at !== null);
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** The checks of the head commit against what the base branch's protection requires. */
  private async judgeChecks(sha: string, base: string): Promise<ChecksVerdict> {
    const call: GithubCall = (what, fn) => this.call(what, fn);
    const reported = await readReportedChecks(this.octokit, call, { ...this.repo, sha });
    const required = await readRequiredChecks(this.octokit, (e, what) => this.fail(e, what), this.logger, {
      ...this.repo,
      branch: base,
    });
    return judgeChecks(reported, required, this.policy.allowUnchecked === true);
  }

  private isOurBranch(pr: Pull): boolean {
    return (
      pr.head.ref.startsWith(`${this.prefix}/`) &&
      pr.head.repo?.full_name === `${this.config.owner}/${this.config.repo}`
    );
  }

  private async findOpen(branch: string): Promise<PullSummary | undefined> {
    return (await this.listByHead(branch, 'open')).find((p) => p.state === 'open');
  }

  private async listByHead(branch: string, state: 'open' | 'all'): Promise<PullSummary[]> {
    const prs = await this.call(`list the pull requests of ${branch}`, () =>
      this.octokit.rest.pulls.list({ ...this.repo, state, head: `${this.config.owner}:${branch}`, per_page: 100 }),
    );
    return prs.filter((p) => p.head.ref === branch && this.isOurBranch(p));
  }

  private async listOpen(): Promise<PullSummary[]> {
    const all: PullSummary[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const batch = await this.call('list the open pull requests', () =>
        this.octokit.rest.pulls.list({
          ...this.repo,
          state: 'open',
          per_page: 100,
          page,
          sort: 'created',
          direction: 'asc',
        }),
      );
      all.push(...batch);
      if (batch.length < 100) break;
    }
    return all;
  }

  /** Close with one request that also records why in the body (idempotent: closed PRs are not listed again). */
  private async close(pr: Pull, why: string): Promise<ChangeRequest> {
    const note = `> Closed by patch-factory: ${why}.`;
    const body = (pr.body ?? '').includes(note) ? (pr.body ?? '') : `${pr.body ?? ''}\n\n${note}`;
    const updated = await this.call(`close the pull request #${pr.number}`, () =>
      this.octokit.rest.pulls.update({
        ...this.repo,
        pull_number: pr.number,
        state: 'closed',
        body: body.slice(0, 65_000),
      }),
    );
    this.logger.info({ branch: pr.head.ref, number: pr.number }, 'pull request closed');
    return this.toChangeRequest(updated);
  }

  /** Add missing labels, drop other `severity:` labels; true when something changed. */
  private async syncLabels(number: number, current: string[], wanted: string[], severity: string): Promise<boolean> {
    const missing = wanted.filter((l) => !current.includes(l));
    const stale = current.filter((l) => l.startsWith('severity:') && l !== severity);
    if (missing.length > 0) {
      await this.call(`label the pull request #${number}`, () =>
        this.octokit.rest.issues.addLabels({ ...this.repo, issue_number: number, labels: missing }),
      );
    }
    for (const name of stale) {
      try {
        await this.octokit.rest.issues.removeLabel({ ...this.repo, issue_number: number, name });
      } catch (error) {
        if (httpFailure(error)?.status !== 404) throw this.fail(error, `remove the label ${name} from #${number}`);
      }
    }
    return missing.length > 0 || stale.length > 0;
  }

  private toChangeRequest(pr: Pull): ChangeRequest {
    return {
      provider: this.provider,
      branch: pr.head.ref,
      number: pr.number,
      url: pr.html_url,
      state: pr.merged_at ? 'merged' : pr.state === 'open' ? 'open' : 'closed',
      headSha: pr.head.sha,
    };
  }

  private async call<T>(what: string, fn: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await fn()).data;
    } catch (error) {
      throw this.fail(error, what);
    }
  }

  private fail(error: unknown, what: string): Error {
    if (error instanceof PipelineError) return error;
    return githubError(httpFailure(error), `${what} in ${this.config.owner}/${this.config.repo}`);
  }
}

/** A body: text of at most 60,000 characters, no NUL, and no marker of its own (the adapter adds it). */
function checkBody(body: unknown): string {
  if (
    typeof body !== 'string' ||
    body.length > MAX_BODY ||
    body.includes('\u0000') ||
    body.includes('<!-- patch-factory:')
  ) {
    throw new TerminalError(
      ForgeErrorCode.unsafeInput,
      `the pull request body is refused: expected text of at most ${MAX_BODY} characters without NUL or a patch-factory marker`,
    );
  }
  return body;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Registry entry of the `github` provider. */
export const githubForgeProvider: ForgeProvider<ParsedGithubForgeConfig> = {
  name: 'github',
  parseConfig: (raw) => parseConfig(GithubForgeConfigSchema, raw, 'github forge'),
  create: (config, deps) =>
    new GithubForge(
      config,
      createGithubClient(config, deps.clock ?? systemClock, deps.logger ?? silentLogger),
      deps.logger,
    ),
};

export type { GithubForgeConfig };
