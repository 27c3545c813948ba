import { compareApkVersions, parseApkVersion } from '@patch-factory/alpine';
import { compareDebianVersions, splitVersion } from '@patch-factory/debian';
import { VulnErrorCode, vulnError } from './vuln-errors';

export type Family = 'debian' | 'alpine';

/** Version order and syntax check of a distro family (dpkg's, apk's). */
export const COMPARE: Record<Family, (a: string, b: string) => number> = {
  debian: compareDebianVersions,
  alpine: compareApkVersions,
};
const CHECK: Record<Family, (v: string) => unknown> = { debian: splitVersion, alpine: parseApkVersion };

/** Debian release code names and their numbers (the tracker is keyed by code name). */
export const DEBIAN_RELEASES: Readonly<Record<string, string>> = {
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
};

/**
 * The index key of an OSV ecosystem: `Debian:12` → debian-12, `Debian` (any release) → debian,
 * `Alpine:v3.20` → alpine-3.20, `Alpine` → alpine. Undefined for other ecosystems (not indexed).
 */
export function distroOfEcosystem(ecosystem: string): { key: string; family: Family } | undefined {
  const m = /^(Debian|Alpine)(?::v?(\d{1,3}(?:\.\d{1,3})?))?$/.exec(ecosystem);
  if (!m) return undefined;
  const family: Family = m[1] === 'Debian' ? 'debian' : 'alpine';
  return { key: m[2] ? `${family}-${m[2]}` : family, family };
}

/** A scan's distro (`debian-12`, `alpine-3.20`): its family and the index keys it reads. */
export function parseDistro(distro: unknown): { family: Family; keys: string[] } {
  const m = typeof distro === 'string' ? /^(debian|alpine)-(\d{1,3}(?:\.\d{1,3})?)$/.exec(distro) : null;
  if (!m)
    throw vulnError(
      VulnErrorCode.invalidInput,
      'distro',
      `expected debian-<N> or alpine-<N.N> (such as debian-12), got ${JSON.stringify(String(distro).slice(0, 40))}`,
    );
  const family = m[1] as Family;
  return { family, keys: [`${family}-${m[2] as string}`, family] };
}

/** Throws a located error unless `version` is a version of the family. */
export function checkVersion(family: Family, version: unknown, where: string): string {
  if (typeof version !== 'string')
    throw vulnError(
      VulnErrorCode.invalidVersion,
      where,
      `expected a version string, got ${version === null ? 'null' : typeof version}`,
    );
  try {
    CHECK[family](version);
  } catch (error) {
    throw vulnError(VulnErrorCode.invalidVersion, where, error instanceof Error ? error.message : 'not a version');
  }
  return version;
}
