import { createHash } from 'node:crypto';
import type { TarEntry } from '@patch-factory/oci';
import { dpkgInfoName } from '../rootfs/dpkg-status';
import type { RootFs } from '../rootfs/rootfs';

/** One planned layer: a name for the build log and its entries (sorted by path). */
export interface PlannedLayer {
  name: string;
  entries: TarEntry[];
}

export interface LayerPlanOptions {
  /** `squashed`: one layer; `layered` (default): one per package, then the image's own files. */
  output?: 'layered' | 'squashed';
  /** Package layers beyond this are grouped into this many buckets by name hash (default 100). */
  maxPackageLayers?: number;
}

const INFO_DIR = 'var/lib/dpkg/info/';

/**
 * Splits an image root file system into layers so that an unchanged package keeps an
 * unchanged layer digest: one layer per installed package (its files and its dpkg info
 * files, sorted by package name), then a last layer with everything else (the dpkg status
 * database, accounts, os-release, paths, certificates bundle, build outputs). Each layer
 * carries the parent directories of its entries, so a layer extracts the same on any lower
 * layers. A hard link whose target lives in another layer is written as a file copy. With
 * many packages the layers are grouped into buckets by a hash of the name, which keeps
 * the grouping stable as packages come and go.
 */
export function planLayers(rootfs: RootFs, opts: LayerPlanOptions = {}): PlannedLayer[] {
  const entries = rootfs.entries();
  if (opts.output === 'squashed') return [{ name: 'image (squashed)', entries }];
  const infoOwner = new Map<string, string>();
  for (const pkg of rootfs.packages()) infoOwner.set(dpkgInfoName(pkg), pkg.name);
  const packages = rootfs.packages().map((p) => p.name);
  const max = Math.max(1, opts.maxPackageLayers ?? 100);
  const bucketOf = (name: string) => (packages.length <= max ? name : `bucket-${bucketIndex(name, max)}`);

  const byPath = new Map(entries.map((e) => [e.path, e]));
  const layerOf = new Map<string, string>();
  for (const e of entries) {
    if (e.type === 'dir') continue;
    const owner = rootfs.ownerOf(e.path) ?? infoFileOwner(e.path, infoOwner);
    if (owner !== undefined) layerOf.set(e.path, bucketOf(owner));
  }

  const packageParents = new Set<string>();
  for (const path of layerOf.keys()) for (const parent of parentsOf(path)) packageParents.add(parent);

  const groups = new Map<string, Map<string, TarEntry>>();
  const add = (layer: string, entry: TarEntry) => {
    let group = groups.get(layer);
    if (!group) groups.set(layer, (group = new Map<string, TarEntry>()));
    group.set(entry.path, entry);
    for (const parent of parentsOf(entry.path)) {
      const dir = byPath.get(parent);
      if (dir && !group.has(parent)) group.set(parent, dir);
    }
  };
  const LAST = '\u{10ffff}image';
  for (const e of entries) {
    const layer = layerOf.get(e.path) ?? LAST;
    if (e.type === 'hardlink' && layerOf.get(e.linkTarget ?? '') !== layer) {
      const target = byPath.get(e.linkTarget ?? '');
      add(layer, target?.type === 'file' ? { ...e, type: 'file', data: target.data, linkTarget: undefined } : e);
      continue;
    }
    if (e.type === 'dir' && layer === LAST && packageParents.has(e.path)) continue;
    add(layer, e);
  }
  const names = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => ({
    name: name === LAST ? 'image' : name,
    entries: [...(groups.get(name)?.values() ?? [])].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  }));
}

function infoFileOwner(path: string, infoOwner: ReadonlyMap<string, string>): string | undefined {
  if (!path.startsWith(INFO_DIR)) return undefined;
  const file = path.slice(INFO_DIR.length);
  const dot = file.lastIndexOf('.');
  return dot > 0 ? infoOwner.get(file.slice(0, dot)) : undefined;
}

function bucketIndex(name: string, buckets: number): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % buckets;
}

function parentsOf(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
}
