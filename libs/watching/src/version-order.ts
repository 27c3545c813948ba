import { compareApkVersions, parseApkVersion } from '@patch-factory/alpine';
import { compareDebianVersions, splitVersion } from '@patch-factory/debian';
import { compareTagVersions, isCommit } from '@patch-factory/sources';

/** The order of one source's versions, and the check that a value is a version of it. */
export interface VersionOrder {
  /** What the order is called, for messages (`dpkg`, `apk`, `tag`). */
  name: string;
  /** < 0, 0 or > 0; both sides must have passed `problem`. */
  compare(a: string, b: string): number;
  /** Why `version` is not a version in this order (undefined: it is one). */
  problem(version: string): string | undefined;
}

const DPKG: VersionOrder = {
  name: 'dpkg',
  compare: compareDebianVersions,
  problem: (v) => thrown(() => splitVersion(v)),
};

const APK: VersionOrder = {
  name: 'apk',
  compare: compareApkVersions,
  problem: (v) => thrown(() => parseApkVersion(v)),
};

/** Release and image tags: numbers by value, a pre-release (`-rc1`, `~beta`) before its release. */
const TAG: VersionOrder = { name: 'tag', compare: compareTagVersions, problem: () => undefined };

/**
 * A branch head (its commit id) has no order: a head other than the last one seen is newer.
 * Sound because a github_repository source reports one head a poll.
 */
const HEAD: VersionOrder = {
  name: 'branch head',
  compare: (a, b) => (a === b ? 0 : 1),
  problem: (v) => (isCommit(v) ? undefined : 'not a commit id'),
};

/**
 * The order newest-seen is decided in, by the source's kind: dpkg's for Debian packages
 * (`1.0-1` after `1.0~rc1-1`), apk's for Alpine packages (`1.2.3-r0` after `1.2.3_rc1-r0`),
 * "differs from the last seen" for branch heads, the tag order for release tags, git tags and
 * image tags.
 */
export function versionOrderOf(kind: string): VersionOrder {
  if (kind === 'debian_package') return DPKG;
  if (kind === 'alpine_package') return APK;
  if (kind === 'github_repository') return HEAD;
  return TAG;
}

function thrown(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
