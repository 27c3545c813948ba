import type { DebianPackage } from '@patch-factory/debian';
import { readDeb } from '../deb/deb-read';
import { RootFs } from '../rootfs/rootfs';

/** Runs `work` over `items` with at most `limit` at a time, results in input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return out;
}

/**
 * Unpacks verified .deb files (in Node: no dpkg, no maintainer scripts) into a new root file
 * system, in package-name order so the result does not depend on download order. Reading runs
 * two packages at a time (xz runs in its own process, so two cores are used).
 */
export async function assembleRoot(packages: readonly DebianPackage[], debs: ReadonlyMap<string, Buffer>, signal?: AbortSignal): Promise<RootFs> {
  const sorted = [...packages].sort((a, b) => (a.Package < b.Package ? -1 : a.Package > b.Package ? 1 : 0));
  const contents = await mapLimited(sorted, 2, async (pkg) => {
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
