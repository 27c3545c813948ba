import type { DebianPackage } from '@patch-factory/debian';
import { readDeb } from '../deb/deb-read';
import { mapLimited } from '@patch-factory/oci';
import { RootFs } from '../rootfs/rootfs';

/**
 * Unpacks verified .deb files (in Node: no dpkg, no maintainer scripts) into a new root file
 * system, in package-name order so the result does not depend on download order. Every package
 * is read at once, so their xz members are decompressed in a few shared xz processes (see
 * XzBatcher) instead of one process each.
 */
export async function assembleRoot(
  packages: readonly DebianPackage[],
  debs: ReadonlyMap<string, Buffer>,
  signal?: AbortSignal,
): Promise<RootFs> {
  const sorted = [...packages].sort((a, b) => (a.Package < b.Package ? -1 : a.Package > b.Package ? 1 : 0));
  const contents = await mapLimited(sorted, 256, async (pkg) => {
    signal?.throwIfAborted();
    const data = debs.get(pkg.Package);
    if (data === undefined) throw new Error(`internal: ${pkg.Package} was resolved but not downloaded`);
    return readDeb(data, { what: `${pkg.Package}_${pkg.Version}_${pkg.Architecture}.deb` });
  });
  const rootfs = new RootFs();
  for (const [i, pkg] of sorted.entries()) {
    const deb = contents[i];
    if (deb) rootfs.addPackage(pkg.Package, pkg.Version, pkg.Architecture, deb.dataEntries, deb.controlEntries);
  }
  return rootfs;
}
