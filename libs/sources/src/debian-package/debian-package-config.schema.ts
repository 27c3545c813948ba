import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { TerminalError } from '@patch-factory/contracts';
import { SourceErrorCode } from '../sources-errors';
import { compileTrack, MatchSchema, parseTrack, SetSchema, type CompiledTrack } from '../track-config.schema';

/** A Debian binary package name (Policy 5.6.1). */
const DEB_NAME = /^[a-z0-9][a-z0-9+.-]{0,127}$/;
/** `pkg:deb/<namespace>/<name>[@version][?qualifiers][#subpath]`, the form the catalog format requires. */
const DEB_PURL = /^pkg:deb\/([a-z0-9][a-z0-9.-]{0,63})\/([^/?#@]+)(?:@[^?#]*)?(?:\?[^#]*)?(?:#.*)?$/;

/** A `track:` entry of type debian_package, with the repository that serves the package and the keyring that signs it. */
export const DebianPackageTrackSchema = z.object({
  type: z.literal('debian_package'),
  /** The package as the catalog format writes it, a purl (`pkg:deb/debian/openssl`), or its bare binary name (`openssl`). */
  package: z
    .string()
    .max(300)
    .regex(/^(?:pkg:deb\/|[a-z0-9])/, 'expected a purl such as pkg:deb/debian/openssl (or a Debian package name)'),
  match: MatchSchema.optional(),
  set: SetSchema,
  /** The repository root, e.g. http://archive.example.org/debian (http or https: the Release is verified with `keyring`). */
  repository: z.string().min(1).max(500),
  suite: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a suite such as bookworm-security'),
  component: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/)
    .default('main'),
  architecture: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/)
    .default('amd64'),
  /** An absolute path to the OpenPGP keyring whose keys may sign the repository. */
  keyring: z.string().refine((p) => isAbsolute(p), 'expected an absolute path'),
});

export interface DebianPackageConfig {
  /** The binary package name (as in Packages), e.g. `openssl`. */
  package: string;
  /** The package's purl without version or qualifiers (`pkg:deb/debian/openssl`): the ref of its events. */
  purl: string;
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
  const { name, purl } = debianPackageOf(t.package);
  return {
    package: name,
    purl,
    repository: t.repository,
    suite: t.suite,
    component: t.component,
    architecture: t.architecture,
    keyring: t.keyring,
    track: compileTrack(t.match, t.set),
  };
}

/**
 * The binary package name and purl of a debian_package entry's `package`: a purl
 * (`pkg:deb/debian/redis-server`, `pkg:deb/ubuntu/curl@8.5.0-2?arch=amd64`) or a bare name.
 * Throws TerminalError(source-invalid-config) naming the field.
 */
export function debianPackageOf(value: string): { name: string; purl: string } {
  const m = DEB_PURL.exec(value);
  let name: string | undefined = value;
  let namespace = 'debian';
  if (value.startsWith('pkg:')) {
    try {
      name = m?.[2] === undefined ? undefined : decodeURIComponent(m[2]);
    } catch {
      name = undefined;
    }
    namespace = m?.[1] ?? namespace;
  }
  if (name === undefined || !DEB_NAME.test(name)) {
    throw new TerminalError(
      SourceErrorCode.invalidConfig,
      `the debian_package track entry is invalid at package: expected a purl such as pkg:deb/debian/openssl (or a Debian package name), got ${JSON.stringify(value.slice(0, 80))}`,
    );
  }
  return { name, purl: `pkg:deb/${namespace}/${name}` };
}
