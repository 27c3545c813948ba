import { TerminalError } from '@patch-factory/contracts';
import { isRepositoryName, parseRegistryUrl } from '@patch-factory/oci';
import { z } from 'zod';
import { compileMatch, type SafeMatch } from '../safe-match';
import { SourceErrorCode } from '../sources-errors';
import { MatchSchema, parseTrack, VarNameSchema } from '../track-config.schema';

/** The DHI `set:` of an oci_artifact track: a variable name (set to the version), or a list of {var, value, match, selection}. */
export const OciSetSchema = z.union([
  VarNameSchema,
  z
    .array(
      z.object({
        var: VarNameSchema,
        value: z.enum(['digest', 'tag', 'reference']),
        match: MatchSchema.optional(),
        selection: z.enum(['longest', 'exact', 'default']).optional(),
      }),
    )
    .min(1)
    .max(32),
]);

/** A `track:` entry of type oci_artifact: the tags of one repository of an OCI registry. */
export const OciArtifactTrackSchema = z.object({
  type: z.literal('oci_artifact'),
  /** The repository, e.g. `library/redis` (OCI distribution name grammar). */
  name: z.string().min(1).max(255),
  /** The registry root: https://host[:port], or http:// to a loopback address. */
  registry: z.string().min(1).max(300),
  match: MatchSchema,
  set: OciSetSchema,
});

/** One variable a version sets. `reference` is `<name>:<tag>@<digest>`; there `selection: longest` (the default) picks the longest resolved tag with the same digest. */
export interface OciSetRule {
  var: string;
  value: 'version' | 'digest' | 'tag' | 'reference';
  match?: SafeMatch;
  selection: 'longest' | 'exact';
}

/** An oci_artifact entry, validated and with its patterns compiled. */
export interface OciArtifactConfig {
  registry: string;
  name: string;
  match: SafeMatch;
  set: OciSetRule[];
}

/** Validate an oci_artifact entry (TerminalError(source-invalid-config) naming the field or rule). */
export function parseOciArtifactConfig(raw: unknown): OciArtifactConfig {
  const t = parseTrack('oci_artifact', OciArtifactTrackSchema, raw);
  if (!isRepositoryName(t.name)) {
    throw new TerminalError(
      SourceErrorCode.invalidConfig,
      'the oci_artifact track entry is invalid at name: expected a repository name such as "library/redis" (lower-case path components)',
    );
  }
  let registry: string;
  try {
    registry = parseRegistryUrl(t.registry);
  } catch (error) {
    throw new TerminalError(
      SourceErrorCode.invalidConfig,
      `the oci_artifact track entry is invalid at registry: ${error instanceof Error ? error.message : 'invalid'}`,
    );
  }
  const set: OciSetRule[] =
    typeof t.set === 'string'
      ? [{ var: t.set, value: 'version', selection: 'exact' }]
      : t.set.map((s) => ({
          var: s.var,
          value: s.value,
          ...(s.match === undefined ? {} : { match: compileMatch(s.match) }),
          selection: s.selection === 'exact' ? 'exact' : 'longest',
        }));
  return { registry, name: t.name, match: compileMatch(t.match), set };
}
