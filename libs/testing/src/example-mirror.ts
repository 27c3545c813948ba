// Test helpers: what a loopback mirror must hold to build every example of examples/catalog, and
// how the examples' archive maps onto it.

/** Every example's packages, without exclusions (a superset; one cached selection for every test that builds them). */
export const EXAMPLE_MIRROR_PACKAGES: readonly string[] = [
  'apt',
  'base-files',
  'bash',
  'busybox',
  'ca-certificates',
  'coreutils',
  'dash',
  'netbase',
  'redis-server',
  'redis-tools',
  'tzdata',
];

/** The archive the examples name, as https and (as Debian's own sources and the real catalog write it) plain http. */
const DEBIAN_ARCHIVE_PATH = '//deb.debian.org/debian';

/** PF_BUILD_MIRRORS for the examples: the archive, by either scheme, fetched from the mirror at `baseUrl`. */
export function exampleMirrors(baseUrl: string): Record<string, string> {
  return { [`https:${DEBIAN_ARCHIVE_PATH}`]: baseUrl, [`http:${DEBIAN_ARCHIVE_PATH}`]: baseUrl };
}
