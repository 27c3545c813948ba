import { isRecord, shownValue } from '@patch-factory/contracts';
import { DIGEST_RE, HEX64_RE } from '../digest';
import { signingError, SigningErrorCode } from '../signing-errors';

/** One package installed in the image (a `packages.json` entry of the build stage). */
export interface ResolvedPackage {
  name: string;
  version: string;
  architecture: string;
  /** hex sha256 of the .deb file. */
  sha256: string;
  size: number;
  /** Where the .deb was downloaded from. */
  url: string;
  /** The platform(s) whose root fs holds it (`linux/amd64`). */
  platforms: string[];
}

/** One package fetched for a `contents.builds[]` build root: a build-time dependency, not in the image. */
export interface ResolvedBuildPackage extends ResolvedPackage {
  /** The builds whose root held it (`contents.builds[0]`). */
  buildRoots: string[];
}

/** `packages.json` as the build stage writes it (libs/build-stage build.executor.ts). */
export interface PackagesJson {
  /** The image index digest the build produced. */
  digest: string;
  inputKey: string;
  /**
   * One entry per platform, in the build's order: the packages installed in the image, and
   * those of each `contents.builds[]` build root (absent in files of older builds: none).
   */
  platforms: {
    platform: string;
    packages: Omit<ResolvedPackage, 'platforms'>[];
    buildRoots: { build: string; packages: Omit<ResolvedPackage, 'platforms'>[] }[];
  }[];
}

const MAX_BYTES = 32 * 1024 * 1024;
const MAX_PLATFORMS = 16;
const MAX_PACKAGES = 50_000;
const NAME_RE = /^[a-z0-9][a-z0-9+.-]{0,127}$/;
const VERSION_RE = /^[0-9A-Za-z.+~:-]{1,128}$/;
const ARCH_RE = /^[a-z0-9-]{1,32}$/;
const PLATFORM_RE = /^[a-z0-9]{1,16}\/[a-z0-9]{1,16}(?:\/[a-z0-9]{1,16})?$/;
const BUILD_RE = /^contents\.builds\[\d{1,4}\]$/;
const MAX_BUILD_ROOTS = 64;

/**
 * Parses `packages.json` (hostile-checked: sizes, types, names, versions, sha256, http(s) URLs).
 * `where` names the file in errors; `expectedDigest`, when given, must be the digest it records.
 */
export function parsePackagesJson(text: string | Buffer, where: string, expectedDigest?: string): PackagesJson {
  const fail = (at: string, message: string) => signingError(SigningErrorCode.packagesInvalid, at, message);
  if (text.length > MAX_BYTES) throw fail(where, `is ${text.length} bytes, more than ${MAX_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    throw fail(where, 'is not JSON');
  }
  if (!isRecord(value)) throw fail(where, `is ${shownValue(value)}, not an object`);
  const { digest, inputKey, platforms } = value;
  if (typeof digest !== 'string' || !DIGEST_RE.test(digest))
    throw fail(where, `digest ${shownValue(digest)} is not sha256:<hex>`);
  if (expectedDigest !== undefined && digest !== expectedDigest)
    throw fail(where, `records image ${digest}, not ${expectedDigest}`);
  if (typeof inputKey !== 'string' || !HEX64_RE.test(inputKey))
    throw fail(where, `inputKey ${shownValue(inputKey)} is not 64 hex`);
  if (!Array.isArray(platforms) || platforms.length === 0 || platforms.length > MAX_PLATFORMS)
    throw fail(where, `platforms is ${shownValue(platforms)}, not 1..${MAX_PLATFORMS} entries`);
  let total = 0;
  const out: PackagesJson['platforms'] = [];
  for (const [i, p] of (platforms as unknown[]).entries()) {
    const at = `${where}: platforms[${i}]`;
    if (!isRecord(p)) throw fail(at, `is ${shownValue(p)}, not an object`);
    if (typeof p['platform'] !== 'string' || !PLATFORM_RE.test(p['platform']))
      throw fail(at, `platform ${shownValue(p['platform'])} is not os/arch[/variant]`);
    if (out.some((o) => o.platform === p['platform'])) throw fail(at, `platform ${p['platform']} is listed twice`);
    const pkgs = p['packages'];
    if (!Array.isArray(pkgs)) throw fail(at, `packages is ${shownValue(pkgs)}, not an array`);
    total += pkgs.length;
    if (total > MAX_PACKAGES) throw fail(where, `lists more than ${MAX_PACKAGES} packages`);
    const roots = p['buildRoots'] ?? [];
    if (!Array.isArray(roots) || roots.length > MAX_BUILD_ROOTS)
      throw fail(at, `buildRoots is ${shownValue(roots)}, not 0..${MAX_BUILD_ROOTS} entries`);
    const buildRoots: PackagesJson['platforms'][number]['buildRoots'] = [];
    for (const [k, r] of (roots as unknown[]).entries()) {
      const rat = `${at}.buildRoots[${k}]`;
      if (!isRecord(r)) throw fail(rat, `is ${shownValue(r)}, not an object`);
      if (typeof r['build'] !== 'string' || !BUILD_RE.test(r['build']))
        throw fail(rat, `build ${shownValue(r['build'])} is not contents.builds[<n>]`);
      const rpkgs = r['packages'];
      if (!Array.isArray(rpkgs)) throw fail(rat, `packages is ${shownValue(rpkgs)}, not an array`);
      total += rpkgs.length;
      if (total > MAX_PACKAGES) throw fail(where, `lists more than ${MAX_PACKAGES} packages`);
      buildRoots.push({
        build: r['build'],
        packages: (rpkgs as unknown[]).map((pkg, j) => parsePackage(pkg, `${rat}.packages[${j}]`, fail)),
      });
    }
    out.push({
      platform: p['platform'],
      packages: (pkgs as unknown[]).map((pkg, j) => parsePackage(pkg, `${at}.packages[${j}]`, fail)),
      buildRoots,
    });
  }
  return { digest, inputKey, platforms: out };
}

function parsePackage(
  pkg: unknown,
  at: string,
  fail: (at: string, message: string) => Error,
): Omit<ResolvedPackage, 'platforms'> {
  if (!isRecord(pkg)) throw fail(at, `is ${shownValue(pkg)}, not an object`);
  const { name, version, architecture, sha256, size, url } = pkg;
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw fail(at, `name ${shownValue(name)} is not a Debian package name`);
  if (typeof version !== 'string' || !VERSION_RE.test(version))
    throw fail(at, `${name}: version ${shownValue(version)} is not a Debian version`);
  if (typeof architecture !== 'string' || !ARCH_RE.test(architecture))
    throw fail(at, `${name}: architecture ${shownValue(architecture)} is not an architecture`);
  if (typeof sha256 !== 'string' || !HEX64_RE.test(sha256))
    throw fail(at, `${name}: sha256 ${shownValue(sha256)} is not 64 lowercase hex`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw fail(at, `${name}: size ${shownValue(size)} is not a byte count`);
  if (typeof url !== 'string' || url.length > 2048 || !isHttpUrl(url))
    throw fail(at, `${name}: url ${shownValue(url)} is not an http(s) URL`);
  return { name, version, architecture, sha256, size, url };
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byPackage = (a: ResolvedPackage, b: ResolvedPackage) =>
  cmp(a.name, b.name) || cmp(a.version, b.version) || cmp(a.architecture, b.architecture) || cmp(a.url, b.url);

/** Every distinct package installed in the image (by url + sha256) over all platforms, with the platforms holding it, sorted by name, version, architecture. */
export function resolvedPackages(packages: PackagesJson): ResolvedPackage[] {
  const byKey = new Map<string, ResolvedPackage>();
  for (const p of packages.platforms) {
    for (const pkg of p.packages) {
      const key = `${pkg.url} ${pkg.sha256}`;
      const seen = byKey.get(key);
      if (seen) {
        if (!seen.platforms.includes(p.platform)) seen.platforms.push(p.platform);
      } else byKey.set(key, { ...pkg, platforms: [p.platform] });
    }
  }
  return [...byKey.values()].sort(byPackage);
}

/**
 * Every distinct package (by url + sha256) fetched for a `contents.builds[]` build root, over
 * all platforms, with the platforms and builds holding it, sorted as {@link resolvedPackages}.
 * Build-time dependencies: none of them is in the image.
 */
export function resolvedBuildPackages(packages: PackagesJson): ResolvedBuildPackage[] {
  const byKey = new Map<string, ResolvedBuildPackage>();
  for (const p of packages.platforms) {
    for (const root of p.buildRoots) {
      for (const pkg of root.packages) {
        const key = `${pkg.url} ${pkg.sha256}`;
        const seen = byKey.get(key);
        if (seen) {
          if (!seen.platforms.includes(p.platform)) seen.platforms.push(p.platform);
          if (!seen.buildRoots.includes(root.build)) seen.buildRoots.push(root.build);
        } else byKey.set(key, { ...pkg, platforms: [p.platform], buildRoots: [root.build] });
      }
    }
  }
  return [...byKey.values()].sort(byPackage);
}
