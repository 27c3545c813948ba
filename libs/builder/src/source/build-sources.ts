import { createHash } from 'node:crypto';
import {
  COMPRESSION_SUFFIX,
  buildPackageIndex,
  fetchPackages,
  fetchRelease,
  type AptRepositoryOptions,
  type Compression,
  type DebianPackage,
  type HttpFetchOptions,
  type PackageIndex,
  type SignedRelease,
} from '@patch-factory/debian';
import { shown } from '../builder-errors';
import { resolveKeyring } from './keyring-resolve';
import { applyMirror } from './mirror-map';
import { parsedIndexCache } from './parsed-index-cache';
import { parseRepositoryLine, type RepositoryLine } from './repository-line';
import { BuildSourceErrorCode, located, sourceTerminal } from './source-errors';

export interface BuildSourcesOptions {
  /** Directory of trusted keyrings (operator-provided). `signed-by=` names a file here by base name; a definition never introduces trust. */
  keyringDir: string;
  /** Keyring used when a line has no signed-by= (file name in keyringDir); none → error. */
  defaultKeyring?: string;
  /** URL prefix → replacement (operator mirrors; tests redirect to a loopback fixture). Longest prefix wins. */
  mirrors?: Record<string, string>;
  fetch?: HttpFetchOptions;
  /** The clock for Valid-Until (epoch ms); default Date.now. */
  now?: () => number;
}

export interface RepositoryIndex {
  /** Merged over every line and component, for one architecture (`all` packages come from binary-<arch>). */
  index: PackageIndex;
  /** The absolute download URL of a package of this index (mirror applied). */
  urlOf(pkg: DebianPackage): string;
  /** sha256 hex over the (url, suite, component, arch, Packages SHA256 from the signed Release) of every index used: equal keys ⇒ identical index content. */
  key: string;
  /** The Release verified for each line used, and the fingerprints of the keys that signed it. */
  releases: { url: string; fingerprints: string[] }[];
}

/** Preferred first, as fetchPackages chooses: the form whose SHA256 keys the parsed-index cache. */
const FORMS: readonly Compression[] = ['xz', 'gz', 'lz4', 'none'];
const ARCH = /^[a-z0-9][a-z0-9-]*$/;
const KEY_VERSION = 'pf-repository-index-v1';

/**
 * Loads the package index a definition's `contents.repositories` give for one architecture:
 * for every `deb` line that serves it (no `arch=`, or `arch=` naming it), the Release is fetched
 * from the (mirrored) URL and verified with the line's keyring from `keyringDir`, then each
 * component's Packages is fetched and checked against it, or taken from the in-process cache
 * when the signed SHA256 is one already parsed. Errors name the line (`where[i]`): the line's
 * own (`build-repository-invalid`, `build-keyring-missing`) and the APT client's (`apt-*`, codes
 * kept, retryable when the network is at fault).
 */
export async function loadRepositoryIndex(
  lines: readonly string[],
  architecture: string,
  opts: BuildSourcesOptions,
  where = 'contents.repositories',
): Promise<RepositoryIndex> {
  if (!ARCH.test(architecture) || architecture.length > 40) {
    throw sourceTerminal(
      BuildSourceErrorCode.repositoryInvalid,
      `architecture "${shown(architecture, 40)}" (for ${where}) is not an architecture name (e.g. amd64)`,
    );
  }
  const parsed = lines.map((line, i) => ({
    line: parseRepositoryLine(line, `${where}[${i}]`),
    where: `${where}[${i}]`,
  }));
  const used = parsed.filter(
    ({ line }) => line.architectures === undefined || line.architectures.includes(architecture),
  );
  if (used.length === 0) {
    throw sourceTerminal(
      BuildSourceErrorCode.repositoryInvalid,
      lines.length === 0
        ? `${where} is empty: give at least one "deb" repository line`
        : `no line of ${where} serves ${architecture} (every one has an arch= without it)`,
    );
  }
  const origin = new Map<DebianPackage, string>();
  const packages: DebianPackage[] = [];
  const keyParts: string[] = [];
  const releases: RepositoryIndex['releases'] = [];
  const seen = new Set<string>();
  // Lines load side by side; they merge in their order.
  const loadedLines = await Promise.all(used.map(({ line, where: at }) => loadLine(line, architecture, opts, at)));
  for (const [i, loaded] of loadedLines.entries()) {
    const line = (used[i] as (typeof used)[number]).line;
    releases.push({ url: loaded.signed.url, fingerprints: loaded.signed.fingerprints });
    for (const part of loaded.parts) {
      keyParts.push([line.url, line.suite, part.component, architecture, part.sha256].join(' '));
      // The same index content twice (one repository under two lines): the first line serves it.
      if (seen.has(part.sha256)) continue;
      seen.add(part.sha256);
      for (const pkg of part.packages) {
        if (origin.has(pkg)) continue;
        origin.set(pkg, loaded.base);
        packages.push(pkg);
      }
    }
  }
  const key = createHash('sha256')
    .update(`${KEY_VERSION}\n${keyParts.join('\n')}\n`)
    .digest('hex');
  return {
    index: buildPackageIndex(packages),
    urlOf: (pkg) => urlOf(pkg, origin),
    key,
    releases,
  };
}

interface LoadedLine {
  base: string;
  signed: SignedRelease;
  parts: { component: string; sha256: string; packages: readonly DebianPackage[] }[];
}

async function loadLine(
  line: RepositoryLine,
  architecture: string,
  opts: BuildSourcesOptions,
  where: string,
): Promise<LoadedLine> {
  const keyringPath = resolveKeyring(line.signedBy, opts, where);
  const base = applyMirror(line.url, opts.mirrors);
  const what = `${where} (${shown(line.url, 100)}${base === line.url ? '' : ` via mirror ${shown(base, 100)}`} ${line.suite})`;
  try {
    const repo: AptRepositoryOptions = {
      ...opts.fetch,
      baseUrl: base,
      suite: line.suite,
      keyringPath,
      ...(opts.now ? { now: opts.now } : {}),
    };
    const signed = await fetchRelease(repo);
    const parts: LoadedLine['parts'] = [];
    for (const component of line.components) {
      const stem = `${component}/binary-${architecture}/Packages`;
      const form = FORMS.find((c) => signed.release.sha256.has(stem + COMPRESSION_SUFFIX[c]));
      const entry = form === undefined ? undefined : signed.release.sha256.get(stem + COMPRESSION_SUFFIX[form]);
      if (entry === undefined) {
        // Not listed: fetchPackages says so with its own code (apt-index-not-listed).
        await fetchPackages(repo, signed, component, architecture);
        throw sourceTerminal(BuildSourceErrorCode.repositoryInvalid, `${stem} is not listed in ${shown(signed.url)}`);
      }
      const { packages } = await parsedIndexCache.getOrLoad(
        entry.sha256,
        async () => (await fetchPackages(repo, signed, component, architecture)).packages,
      );
      parts.push({ component, sha256: entry.sha256, packages });
    }
    return { base, signed, parts };
  } catch (error) {
    throw located(error, what);
  }
}

function urlOf(pkg: DebianPackage, origin: ReadonlyMap<DebianPackage, string>): string {
  const base = origin.get(pkg);
  const name = `${shown(pkg.Package, 80)} ${shown(pkg.Version, 80)}`;
  if (base === undefined)
    throw sourceTerminal(
      BuildSourceErrorCode.repositoryInvalid,
      `${name} is not a package of this repository index: take packages from its index`,
    );
  if (pkg.Filename === undefined)
    throw sourceTerminal(
      BuildSourceErrorCode.repositoryInvalid,
      `${name} has no Filename in the index of ${shown(base)}: the repository is broken`,
    );
  return `${base}/${pkg.Filename.split('/').map(encodeURIComponent).join('/')}`;
}
