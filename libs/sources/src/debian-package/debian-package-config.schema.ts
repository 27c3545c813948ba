import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { compileTrack, MatchSchema, parseTrack, SetSchema, type CompiledTrack } from '../track-config.schema';

/** A `track:` entry of type debian_package, with the repository that serves the package and the keyring that signs it. */
export const DebianPackageTrackSchema = z.object({
  type: z.literal('debian_package'),
  /** The binary package name (as in Packages), e.g. `openssl`. */
  package: z.string().regex(/^[a-z0-9][a-z0-9+.-]{0,127}$/, 'expected a Debian package name'),
  match: MatchSchema.optional(),
  set: SetSchema,
  /** The repository root, e.g. https://deb.debian.org/debian (http only to loopback). */
  repository: z.string().min(1).max(500),
  suite: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a suite such as bookworm-security'),
  component: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/).default('main'),
  architecture: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/).default('amd64'),
  /** An absolute path to the OpenPGP keyring whose keys may sign the repository. */
  keyring: z.string().refine((p) => isAbsolute(p), 'expected an absolute path'),
});

export interface DebianPackageConfig {
  package: string;
  repository: string;
  suite: string;
  component: string;
  architecture: string;
  keyring: string;
  track: CompiledTrack;
}

/** Validate a debian_package entry (TerminalError(source-invalid-config) naming the field). */
export function parseDebianPackageConfig(raw: unknown): DebianPackageConfig {
  const t = parseTrack('debian_package', DebianPackageTrackSchema, raw);
  return {
    package: t.package,
    repository: t.repository,
    suite: t.suite,
    component: t.component,
    architecture: t.architecture,
    keyring: t.keyring,
    track: compileTrack(t.match, t.set),
  };
}
