import { z } from 'zod';
import { compileTrack, MatchSchema, parseTrack, SetSchema, type CompiledTrack } from '../track-config.schema';
import { assertSafeRemoteUrl } from './git-remote-url';

/** A `track:` entry of type git_tags: the tags of any git repository. */
export const GitTagsTrackSchema = z.object({
  type: z.literal('git_tags'),
  /** The remote: an absolute path, file://, https:// or ssh://. */
  url: z.string().min(1).max(500),
  match: MatchSchema.optional(),
  set: SetSchema,
});

/** A git_tags entry, validated and with its patterns compiled. */
export interface GitTagsConfig {
  url: string;
  track: CompiledTrack;
}

/** Validate a git_tags entry (TerminalError(source-invalid-config) naming the field or the URL rule). */
export function parseGitTagsConfig(raw: unknown): GitTagsConfig {
  const t = parseTrack('git_tags', GitTagsTrackSchema, raw);
  return { url: assertSafeRemoteUrl(t.url), track: compileTrack(t.match, t.set) };
}
