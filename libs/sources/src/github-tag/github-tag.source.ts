import type { Octokit } from '@octokit/rest';
import { createGithubReader } from '../github-api/github-client';
import { readListing } from '../github-api/github-listing';
import { observe, OutcomeCollector } from '../observe';
import type { PollResult, Source, SourceDeps, SourceState } from '../source';
import { parseGithubTagConfig, type GithubTagConfig } from './github-tag-config.schema';

function field(item: unknown, name: string): unknown {
  return typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[name] : undefined;
}

/** `github_tag`: the tags of a GitHub repository with the commit each points at, read with conditional requests. */
export class GithubTagSource implements Source<GithubTagConfig> {
  readonly kind = 'github_tag';
  private readonly octokit: Octokit;

  constructor(deps: SourceDeps) {
    this.octokit = createGithubReader(deps.github);
  }

  parseConfig(raw: unknown): GithubTagConfig {
    return parseGithubTagConfig(raw);
  }

  async poll(config: GithubTagConfig, state: SourceState, signal: AbortSignal): Promise<PollResult> {
    const listing = await readListing(
      this.octokit,
      { owner: config.owner, repo: config.repo, listing: 'tags' },
      state,
      signal,
    );
    const out = new OutcomeCollector();
    const ref = `${config.owner}/${config.repo}`;
    for (const item of listing.items) {
      out.add(observe(ref, config.track, { tag: field(item, 'name'), commit: field(field(item, 'commit'), 'sha') }));
    }
    return {
      observations: out.observations,
      rejected: out.rejected,
      state: listing.state,
      notModified: listing.notModified,
    };
  }
}

/** The registry entry. */
export const githubTagSource = (deps: SourceDeps): GithubTagSource => new GithubTagSource(deps);
