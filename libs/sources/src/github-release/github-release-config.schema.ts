import { z } from 'zod';
import {
  compileTrack,
  MatchSchema,
  OwnerSchema,
  parseTrack,
  RepoSchema,
  SetSchema,
  type CompiledTrack,
} from '../track-config.schema';

/** A DHI `track:` entry of type github_release. */
export const GithubReleaseTrackSchema = z.object({
  type: z.literal('github_release'),
  owner: OwnerSchema,
  repo: RepoSchema,
  set: SetSchema,
  /** What `match` reads: the release's tag (`tag`, the default) or its title (`release`). */
  use: z.enum(['release', 'tag']).optional(),
  match: MatchSchema.optional(),
});

/** A github_release entry, validated and with its patterns compiled. */
export interface GithubReleaseConfig {
  owner: string;
  repo: string;
  use: 'release' | 'tag';
  track: CompiledTrack;
}

/** Validate a github_release entry (TerminalError(source-invalid-config) naming the field). */
export function parseGithubReleaseConfig(raw: unknown): GithubReleaseConfig {
  const t = parseTrack('github_release', GithubReleaseTrackSchema, raw);
  return { owner: t.owner, repo: t.repo, use: t.use ?? 'tag', track: compileTrack(t.match, t.set) };
}
