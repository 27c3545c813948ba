import type { Octokit } from '@octokit/rest';
import { createGithubReader } from '../github-api/github-client';
import { readListing } from '../github-api/github-listing';
import { observe, OutcomeCollector } from '../observe';
import type { PollResult, Source, SourceDeps, SourceState } from '../source';
import { parseGithubReleaseConfig, type GithubReleaseConfig } from './github-release-config.schema';

function field(item: unknown, name: string): unknown {
  return typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[name] : undefined;
}

/**
 * `github_release`: the published releases of a GitHub repository (drafts and prereleases
 * skipped), read with conditional requests. The commit is known when the release's
 * target_commitish is a full commit id (a branch name gives none).
 */
export class GithubReleaseSource implements Source<GithubReleaseConfig> {
  readonly kind = 'github_release';
  private readonly octokit: Octokit;

  constructor(deps: SourceDeps) {
    this.octokit = createGithubReader(deps.github);
  }

  parseConfig(raw: unknown): GithubReleaseConfig {
    return parseGithubReleaseConfig(raw);
  }

  async poll(config: GithubReleaseConfig, state: SourceState, signal: AbortSignal): Promise<PollResult> {
    const listing = await readListing(
      this.octokit,
      { owner: config.owner, repo: config.repo, listing: 'releases' },
      state,
      signal,
    );
    const out = new OutcomeCollector();
    const ref = `${config.owner}/${config.repo}`;
    for (const item of listing.items) {
      if (field(item, 'draft') !== false || field(item, 'prerelease') !== false) continue;
      const published = field(item, 'published_at');
      const publishedAt = typeof published === 'string' && published.length <= 40 ? Date.parse(published) : undefined;
      out.add(
        observe(
          ref,
          config.track,
          {
            tag: field(item, 'tag_name'),
            name: field(item, 'name'),
            commit: field(item, 'target_commitish'),
            ...(publishedAt === undefined ? {} : { publishedAt }),
          },
          config.use === 'release' ? 'name' : 'tag',
        ),
      );
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
export const githubReleaseSource = (deps: SourceDeps): GithubReleaseSource => new GithubReleaseSource(deps);
