import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Build, Definition } from '@patch-factory/definitions';
import type { DebianPackage } from '@patch-factory/debian';
import { isTag } from '@patch-factory/oci';
import { shown } from '../builder-errors';
import { writeCaBundle } from '../rootfs/ca-bundle';
import {
  debianArchitecture,
  definitionAnnotations,
  definitionRunConfig,
  splitPlatform,
} from '../oci/definition-config';
import { planLayers } from '../oci/layer-plan';
import { canonicalJson } from '../oci/canonical-json';
import type { ImageRunConfig } from '../oci/image-config';
import { writeImageLayout, type ImageLayoutPlatform } from '../oci/image-layout';
import { resolvePackages } from '../resolve/dependency-resolver';
import { writeAccounts } from '../rootfs/accounts';
import { writeDpkgDatabase } from '../rootfs/dpkg-status';
import { writeOsRelease } from '../rootfs/os-release';
import { applyPaths } from '../rootfs/paths';
import type { RootFs } from '../rootfs/rootfs';
import { runBuild } from '../sandbox/run-build';
import { loadRepositoryIndex, type BuildSourcesOptions, type RepositoryIndex } from '../source/build-sources';
import { PackageCache, fetchAll } from '../source/package-cache';
import { located } from '../source/source-errors';
import { assembleRoot } from './assemble-root';
import { BuildErrorCode, buildTerminal } from './build-errors';
import { layoutHolds, readBuildRecord, replaceDir, writeBuildRecord } from './build-record';

/** Bumped when the builder's output for the same inputs changes: old build records stop matching (2: builds[] steps get SOURCE_DATE_EPOCH). */
export const BUILDER_FORMAT = 2;

export interface BuildImageOptions {
  /** Names the definition in messages (its catalog path). */
  where: string;
  /** The OCI image layout to write (replaced whole on success, untouched on failure). */
  outDir: string;
  /** Downloaded packages (content-addressed) and build records. */
  cacheDir: string;
  sources: BuildSourcesOptions;
  /** Default: the definition's `platforms`, else linux/amd64. */
  platforms?: readonly string[];
  /** Every mtime and `created` date; default 0 (the images do not depend on the clock). */
  sourceDateEpoch?: number;
  sandbox?: 'bwrap' | 'chroot';
  log?: (line: string) => void;
  /** Called at each step of a build (a package in hand, a layer written): for liveness, not for the log. */
  progress?: (step: { what: string; done: number; total?: number }) => void;
  signal?: AbortSignal;
  /** Keep the layout in outDir when every input is unchanged (default true). */
  reuse?: boolean;
}

/** One installed package, as the provenance needs it. */
export interface ResolvedPackageRecord {
  name: string;
  version: string;
  architecture: string;
  sha256: string;
  size: number;
  url: string;
  /** The chain from a requested package (`redis-server -> libssl3`). */
  neededBy: string;
}

/**
 * The packages of one `contents.builds[]` build root: build-time dependencies. Every .deb
 * fetched for the root is listed; none of them is in the image (only the build's outputs are),
 * so the SBOM and the scan do not list them.
 */
export interface BuildRootRecord {
  /** `contents.builds[0]`. */
  build: string;
  packages: ResolvedPackageRecord[];
}

export interface PlatformBuildRecord {
  platform: string;
  /** The packages installed in the image (runtime). */
  packages: ResolvedPackageRecord[];
  /** The packages of each `contents.builds[]` build root, in the builds' order (build-time). */
  buildRoots: BuildRootRecord[];
  /** Dependencies cut by `!name` exclusions. */
  dropped: string[];
  layers: string[];
}

export interface BuildImageResult {
  /** The image index digest (`sha256:…`): what the layout's index.json points to. */
  digest: string;
  outDir: string;
  /** True when the layout already held this build (nothing was rebuilt). */
  reused: boolean;
  platforms: PlatformBuildRecord[];
  cache: { hits: number; misses: number };
  inputKey: string;
}

interface Prepared {
  platform: string;
  arch: string;
  index: RepositoryIndex;
  packages: DebianPackage[];
  neededBy: ReadonlyMap<string, string>;
  dropped: string[];
  builds: { build: Build; index: RepositoryIndex; packages: DebianPackage[]; neededBy: ReadonlyMap<string, string> }[];
}

/**
 * Builds a definition into an OCI image layout, the way apko and distroless do: resolves
 * `contents.packages` against the definition's signed repositories for each platform,
 * downloads each package once into a content-addressed cache (checked against the signed
 * index), unpacks them in Node, writes the dpkg database, the certificates bundle, accounts,
 * os-release and `paths`, runs `contents.builds[]` in a sandbox and copies their outputs, and
 * writes a reproducible layout (one layer per package, then the image's own files). The
 * output is written beside `outDir` and moved into place only when whole: a failed build
 * leaves nothing behind. With unchanged inputs (definition, signed indexes, platforms,
 * SOURCE_DATE_EPOCH) and a whole layout already in `outDir`, nothing is rebuilt.
 */
export async function buildImage(def: Definition, opts: BuildImageOptions): Promise<BuildImageResult> {
  const log = opts.log ?? (() => undefined);
  const epoch = opts.sourceDateEpoch ?? 0;
  const platforms = choosePlatforms(def, opts);
  // The image's name and annotations are checked before anything is fetched or built.
  const annotations = definitionAnnotations(def, opts.where);
  const outDir = await checkOutDir(opts.outDir);
  const repositories = def.contents?.repositories ?? [];
  const wanted = def.contents?.packages ?? [];
  if (wanted.length > 0 && repositories.length === 0) {
    throw buildTerminal(
      BuildErrorCode.noRepositories,
      `${opts.where}: contents.packages lists ${wanted.length} packages but contents.repositories is empty; name the repositories they come from`,
    );
  }

  // Platforms are prepared and unpacked side by side: their index fetches, signature checks and
  // xz processes overlap (and their xz members share batches).
  opts.signal?.throwIfAborted();
  const prepared = await Promise.all(platforms.map((platform) => prepare(def, platform, repositories, opts, log)));
  const inputKey = createHash('sha256')
    .update(
      canonicalJson({
        format: BUILDER_FORMAT,
        definition: def,
        platforms,
        epoch,
        indexes: prepared.map((p) => [p.index.key, ...p.builds.map((b) => b.index.key)]),
      }),
    )
    .digest('hex');
  const records = prepared.map((p) => platformRecord(p));
  if (opts.reuse !== false) {
    const last = await readBuildRecord(opts.cacheDir, inputKey);
    if (last && (await layoutHolds(outDir, last.digest))) {
      log(`unchanged: ${outDir} already holds ${last.digest}; nothing rebuilt`);
      return { digest: last.digest, outDir, reused: true, platforms: records, cache: { hits: 0, misses: 0 }, inputKey };
    }
  }

  const cache = new PackageCache(join(opts.cacheDir, 'packages'));
  const counts = { hits: 0, misses: 0 };
  const layoutPlatforms: ImageLayoutPlatform[] = [];
  const progress = opts.progress ?? (() => undefined);
  const onPackage = (platform: string) => (name: string, done: number, total: number) =>
    progress({ what: `${platform}: package ${name}`, done, total });
  const images = await Promise.all(
    prepared.map((p) =>
      withinAsync(`${opts.where} (${p.platform})`, () =>
        installRoot(p.packages, p.index, cache, counts, onPackage(p.platform), opts.signal),
      ),
    ),
  );
  for (const [i, p] of prepared.entries()) {
    const image = images[i] as RootFs;
    within(`${opts.where} (${p.platform})`, () => finishRoot(image, def, p.platform));
    for (const [j, b] of p.builds.entries()) {
      const where = `${opts.where}: contents.builds[${j}]`;
      log(
        `${p.platform}: build ${where}${b.build.name ? ` (${shown(b.build.name, 60)})` : ''}: ${b.packages.length} packages in its root`,
      );
      const buildRoot = await withinAsync(where, () =>
        installRoot(b.packages, b.index, cache, counts, onPackage(`${p.platform} build root`), opts.signal),
      );
      writeDpkgDatabase(buildRoot);
      await runBuild(b.build, buildRoot, image, {
        ...(opts.sandbox ? { kind: opts.sandbox } : {}),
        vars: { ...(def.vars ?? {}), 'target.arch': p.arch, 'target.os': 'linux', 'target.platform': p.platform },
        log: (line) => log(`${p.platform}: ${line}`),
        ...(opts.signal ? { signal: opts.signal } : {}),
        where,
        sourceDateEpoch: epoch,
      });
    }
    const extras = runtimeExtras(image, def);
    if (extras.length > 0)
      log(
        `${p.platform}: warning: runtime variant ships ${extras.join(', ')}; a runtime image usually has no shell or package manager (use a dev variant, or exclude the package)`,
      );
    const config: ImageRunConfig = definitionRunConfig(def, opts.where);
    const layers = planLayers(image, { output: def.output ?? 'layered' });
    (records[i] as PlatformBuildRecord).layers = layers.map((l) => l.name);
    log(`${p.platform}: ${p.packages.length} packages, ${layers.length} layers`);
    layoutPlatforms.push({ ...splitPlatform(p.platform), layers: layers.map((l) => l.entries), config });
  }

  await mkdir(dirname(outDir), { recursive: true });
  const tmp = join(dirname(outDir), `.${basename(outDir)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const refName = def.tags?.find((t) => isTag(t)) ?? 'latest';
    const onLayer = (platform: string, layer: number, layers: number) =>
      progress({ what: `${platform}: layer ${layer} of ${layers} written`, done: layer, total: layers });
    const digest = await writeImageLayout(tmp, {
      platforms: layoutPlatforms,
      annotations,
      sourceDateEpoch: epoch,
      refName,
      onLayer,
    });
    opts.signal?.throwIfAborted();
    await replaceDir(tmp, outDir);
    await writeBuildRecord(opts.cacheDir, { key: inputKey, digest });
    log(`wrote ${outDir}: ${digest} (packages: ${counts.hits} cached, ${counts.misses} downloaded)`);
    return { digest, outDir, reused: false, platforms: records, cache: counts, inputKey };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function prepare(
  def: Definition,
  platform: string,
  repositories: readonly string[],
  opts: BuildImageOptions,
  log: (line: string) => void,
): Promise<Prepared> {
  const arch = debianArchitecture(platform);
  const index = await loadRepositoryIndex(repositories, arch, opts.sources, `${opts.where}: contents.repositories`);
  const resolved = within(`${opts.where}: contents.packages (${platform})`, () =>
    resolvePackages(def.contents?.packages ?? [], index.index, { architecture: arch }),
  );
  const dropped = resolved.dropped.map((d) => `${d.chain}: ${d.relation} (every alternative excluded)`);
  for (const d of dropped) log(`${platform}: dropped ${d}`);
  const builds: Prepared['builds'] = [];
  for (const [j, build] of (def.contents?.builds ?? []).entries()) {
    const host = hostArchitecture();
    if (arch !== host) {
      throw buildTerminal(
        BuildErrorCode.platformUnsupported,
        `${opts.where}: contents.builds[${j}] runs commands, which for ${platform} would need ${arch} emulation on this ${host} machine; build that platform on a ${arch} builder or drop it from platforms`,
      );
    }
    const lines = [...(build.contents?.repositories ?? []), ...repositories];
    const buildIndex = await loadRepositoryIndex(
      lines,
      arch,
      opts.sources,
      `${opts.where}: contents.builds[${j}].contents.repositories`,
    );
    const buildResolved = within(`${opts.where}: contents.builds[${j}].contents.packages`, () =>
      resolvePackages(build.contents?.packages ?? [], buildIndex.index, { architecture: arch }),
    );
    builds.push({ build, index: buildIndex, packages: buildResolved.packages, neededBy: buildResolved.neededBy });
  }
  return { platform, arch, index, packages: resolved.packages, neededBy: resolved.neededBy, dropped, builds };
}

/** Runs `work`, naming the definition (and what of it) in front of a pipeline error's message. */
function within<T>(where: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw located(error, where);
  }
}

async function withinAsync<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw located(error, where);
  }
}

async function installRoot(
  packages: DebianPackage[],
  index: RepositoryIndex,
  cache: PackageCache,
  counts: { hits: number; misses: number },
  onPackage: (name: string, done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<RootFs> {
  const fetched = await fetchAll(packages, (p) => index.urlOf(p), cache, { concurrency: 4, onPackage });
  counts.hits += fetched.hits;
  counts.misses += fetched.misses;
  return assembleRoot(packages, fetched.debs, signal);
}

/** What maintainer scripts would have done that an image needs, then the definition's own files. */
function finishRoot(image: RootFs, def: Definition, platform: string): void {
  writeDpkgDatabase(image);
  writeCaBundle(image);
  writeAccounts(image, accountsOf(def.accounts));
  if (def['os-release']) writeOsRelease(image, def['os-release']);
  if (def.paths) applyPaths(image, def.paths, { platform });
}

/** Shells and package managers present in a runtime-variant image (the build log warns of each). */
export function runtimeExtras(image: RootFs, def: Definition): string[] {
  if ((def.variant ?? 'runtime') !== 'runtime') return [];
  return RUNTIME_EXTRAS.filter((path) => image.get(path) !== undefined).map((path) => `/${path}`);
}

const RUNTIME_EXTRAS = [
  'usr/bin/sh',
  'usr/bin/dash',
  'usr/bin/bash',
  'usr/bin/busybox',
  'usr/bin/dpkg',
  'usr/bin/apt',
  'usr/bin/apt-get',
  'usr/sbin/apk',
];

function accountsOf(a: Definition['accounts']) {
  return {
    ...(a?.['run-as'] !== undefined ? { 'run-as': a['run-as'] } : {}),
    users: (a?.users ?? []).map((u) => ({ name: u.name, uid: u.uid, gid: u.gid })),
    groups: (a?.groups ?? []).map((g) => ({ name: g.name, gid: g.gid, ...(g.members ? { members: g.members } : {}) })),
  };
}

function platformRecord(p: Prepared): PlatformBuildRecord {
  return {
    platform: p.platform,
    packages: packageRecords(p.packages, p.index, p.neededBy),
    buildRoots: p.builds.map((b, j) => ({
      build: `contents.builds[${j}]`,
      packages: packageRecords(b.packages, b.index, b.neededBy),
    })),
    dropped: p.dropped,
    layers: [],
  };
}

/** Each package as fetched: from where, with the sha256 the signed index gives (what the download is checked against). */
function packageRecords(
  packages: readonly DebianPackage[],
  index: RepositoryIndex,
  neededBy: ReadonlyMap<string, string>,
): ResolvedPackageRecord[] {
  return packages.map((pkg) => ({
    name: pkg.Package,
    version: pkg.Version,
    architecture: pkg.Architecture,
    sha256: pkg.SHA256 ?? '',
    size: pkg.Size ?? 0,
    url: index.urlOf(pkg),
    neededBy: neededBy.get(pkg.Package) ?? pkg.Package,
  }));
}

function choosePlatforms(def: Definition, opts: BuildImageOptions): string[] {
  const declared: readonly string[] = def.platforms ?? ['linux/amd64'];
  const chosen = opts.platforms ?? declared;
  if (chosen.length === 0)
    throw buildTerminal(BuildErrorCode.platformUnsupported, `${opts.where}: no platform to build`);
  for (const p of chosen) {
    if (!declared.includes(p))
      throw buildTerminal(
        BuildErrorCode.platformUnsupported,
        `${opts.where}: platform ${shown(p, 40)} is not in the definition's platforms (${declared.join(', ')})`,
      );
    debianArchitecture(p);
  }
  return [...new Set(chosen)];
}

/** The output is replaced whole: it must be new, empty, or an OCI layout (never a directory with other contents). */
export async function checkOutDir(raw: string): Promise<string> {
  const dir = resolve(raw);
  const refuse = (why: string) =>
    buildTerminal(
      BuildErrorCode.outputUnsafe,
      `output ${shown(raw, 80)}: ${why}; the output is replaced whole, so give a directory of its own`,
    );
  if (dirname(dir) === dir) throw refuse('is the file system root');
  const st = await lstat(dir).catch(() => undefined);
  if (st === undefined) return dir;
  if (!st.isDirectory()) throw refuse('exists and is not a directory');
  const names = await readdir(dir);
  if (names.length > 0 && !names.includes('oci-layout'))
    throw refuse('is a directory with other contents (no oci-layout file)');
  return dir;
}

/** Debian's name for this machine's architecture. */
export function hostArchitecture(): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'armhf',
    ia32: 'i386',
    ppc64: 'ppc64el',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  return map[process.arch] ?? process.arch;
}
