import { RetryableError, TerminalError } from '@patch-factory/contracts';
import type { Octokit } from '@octokit/rest';
import { createGithubReader } from '../github-api/github-client';
import { failureOf, githubFailure, rateLimitError } from '../github-api/github-failure';
import { hasControlCharacter, isCommit, reject } from '../screen-value';
import type { Observation, PollResult, Rejection, Source, SourceDeps, SourceState } from '../source';
import { SourceErrorCode } from '../sources-errors';
import { parseGithubRepositoryConfig, type GithubRepositoryConfig } from './github-repository-config.schema';

function field(item: unknown, name: string): unknown {
  return typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[name] : undefined;
}

/** An ETag we are willing to store and send back (bounded, printable). */
function safeEtag(value: unknown): string | undefined {
  return typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 200 &&
    !hasControlCharacter(value) &&
    /^[\x20-\x7e]+$/.test(value)
    ? value
    : undefined;
}

/** A branch name GitHub answered as the default (screened: it goes into a request path and the state). */
function safeBranch(value: unknown): string | undefined {
  return typeof value === 'string' &&
    value.length <= 255 &&
    /^[A-Za-z0-9_][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/.test(value) &&
    !value.includes('..')
    ? value
    : undefined;
}

/** `YYYYMMDD` (UTC) of an ISO 8601 time, or undefined when it is not one. */
export function dateStamp(value: unknown): string | undefined {
  if (
    typeof value !== 'string' ||
    value.length > 40 ||
    !/^\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})$/.test(value)
  )
    return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

type Answer =
  | { status: 200; data: unknown; etag: string | undefined; headers: Record<string, string | undefined> }
  | { status: 304; headers: Record<string, string> };

/**
 * `github_repository`: the head commit of a branch of a GitHub repository (the entry's
 * `branch`, or the repository's default branch, asked with repos/get), read with repos/get-branch.
 * Its version is the head's commit id: a branch head has no version order, so the watcher takes a
 * head as newer when it differs from the last one seen. The entry's `set` gives each variable the
 * commit, its first 12 hex digits or the committer date (YYYYMMDD). Both requests are
 * conditional on the ETag the state kept: an unchanged head answers 304 (no rate limit) and gives
 * no observation.
 */
export class GithubRepositorySource implements Source<GithubRepositoryConfig> {
  readonly kind = 'github_repository';
  private readonly octokit: Octokit;

  constructor(deps: SourceDeps) {
    this.octokit = createGithubReader(deps.github);
  }

  parseConfig(raw: unknown): GithubRepositoryConfig {
    return parseGithubRepositoryConfig(raw);
  }

  async poll(config: GithubRepositoryConfig, state: SourceState, signal: AbortSignal): Promise<PollResult> {
    const ref = `${config.owner}/${config.repo}`;
    const next: SourceState = {};
    let notModified = 0;
    let branch = config.branch;
    if (branch === undefined) {
      const repoKey = `repo:${ref}`;
      const known = safeBranch(state[`default-branch:${ref}`]);
      const answer = await this.get(
        'GET /repos/{owner}/{repo}',
        { owner: config.owner, repo: config.repo },
        known ? safeEtag(state[`etag:${repoKey}`]) : undefined,
        `the default branch of ${ref}`,
        signal,
      );
      if (answer.status === 304) {
        notModified++;
        branch = known as string;
        next[`etag:${repoKey}`] = state[`etag:${repoKey}`] as string;
      } else {
        branch = safeBranch(field(answer.data, 'default_branch'));
        if (branch === undefined)
          throw new RetryableError(SourceErrorCode.unavailable, `GitHub answered no usable default branch for ${ref}`);
        if (answer.etag) next[`etag:${repoKey}`] = answer.etag;
      }
      next[`default-branch:${ref}`] = branch;
      const limited = rateLimitError(answer.headers, `the default branch of ${ref}`);
      if (limited) throw limited;
    }
    const branchKey = `etag:branch:${ref}:${branch}`;
    const head = await this.get(
      'GET /repos/{owner}/{repo}/branches/{branch}',
      { owner: config.owner, repo: config.repo, branch },
      safeEtag(state[branchKey]),
      `the head of branch ${branch} of ${ref}`,
      signal,
    );
    if (head.status === 304) {
      next[branchKey] = state[branchKey] as string;
      return { observations: [], rejected: [], state: next, notModified: notModified + 1 };
    }
    if (head.etag) next[branchKey] = head.etag;
    const outcome = observeHead(ref, config, field(head.data, 'commit'));
    return {
      observations: 'observation' in outcome ? [outcome.observation] : [],
      rejected: 'rejection' in outcome ? [outcome.rejection] : [],
      state: next,
      notModified,
    };
  }

  private async get(
    route: string,
    params: Record<string, string>,
    etag: string | undefined,
    what: string,
    signal: AbortSignal,
  ): Promise<Answer> {
    try {
      const res = await this.octokit.request(route, {
        ...params,
        headers: etag ? { 'if-none-match': etag } : {},
        request: { signal },
      });
      const headers = res.headers as Record<string, string | undefined>;
      return { status: 200, data: res.data as unknown, etag: safeEtag(headers['etag']), headers };
    } catch (error) {
      if (signal.aborted) throw error;
      const f = failureOf(error);
      if (f?.status === 304 && etag) return { status: 304, headers: f.headers };
      if (f?.status === 404 && 'branch' in params) {
        throw new TerminalError(
          SourceErrorCode.notFound,
          `GitHub found nothing (404) for ${what}: check owner, repo and branch in the track entry`,
        );
      }
      throw githubFailure(error, what);
    }
  }
}

/** The observation of a branch head (`commit` of a repos/get-branch answer: upstream data, screened), or why it was dropped. */
function observeHead(
  ref: string,
  config: GithubRepositoryConfig,
  commit: unknown,
): { observation: Observation } | { rejection: Rejection } {
  const sha = field(commit, 'sha');
  if (!isCommit(sha)) return { rejection: reject(sha, typeof sha === 'string' ? 'not-a-version' : 'commit-unknown') };
  const committed = field(field(field(commit, 'commit'), 'committer'), 'date');
  const date = dateStamp(committed);
  const vars: Record<string, string> = {};
  for (const rule of config.set) {
    if (rule.value === 'commit') vars[rule.var] = sha;
    else if (rule.value === 'short-commit') vars[rule.var] = sha.slice(0, 12);
    else if (date === undefined) return { rejection: reject(committed, 'set-match-failed') };
    else vars[rule.var] = date;
  }
  const publishedAt = typeof committed === 'string' && date !== undefined ? Date.parse(committed) : undefined;
  return {
    observation: { ref, version: sha, commit: sha, ...(publishedAt === undefined ? {} : { publishedAt }), vars },
  };
}

/** The registry entry. */
export const githubRepositorySource = (deps: SourceDeps): GithubRepositorySource => new GithubRepositorySource(deps);
