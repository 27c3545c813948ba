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

/** A DHI `track:` entry of type github_tag. */
export const GithubTagTrackSchema = z.object({
  type: z.literal('github_tag'),
  owner: OwnerSchema,
  repo: RepoSchema,
  match: MatchSchema,
  set: SetSchema,
});

/** A github_tag entry, validated and with its patterns compiled. */
export interface GithubTagConfig {
  owner: string;
  repo: string;
  track: CompiledTrack;
}

/** Validate a github_tag entry (TerminalError(source-invalid-config) naming the field). */
export function parseGithubTagConfig(raw: unknown): GithubTagConfig {
  const t = parseTrack('github_tag', GithubTagTrackSchema, raw);
  return { owner: t.owner, repo: t.repo, track: compileTrack(t.match, t.set) };
}
