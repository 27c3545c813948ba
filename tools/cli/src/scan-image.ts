import { readImageLayout, readLayerEntries, type ImageLayoutReadOptions } from '@patch-factory/oci';
import { imageScanPackages } from '@patch-factory/sbom';
import type { ScanPackage } from '@patch-factory/vuln';
import { layoutImageName } from './layout-image-name';
import { CommandError } from './command-error';
import { safeText } from './terminal-text';

export interface ScannedImage {
  digest: string;
  manifestDigest: string;
  platform: string;
  /** The layout's image-name annotation, if any. */
  name?: string;
  /** `debian-12`, `alpine-3.20`, from os-release. */
  distro: string;
  packages: ScanPackage[];
  /** Package database records (dpkg status paragraphs, apk records) that list no installed package, and why. */
  skipped: { stanza: number; reason: string }[];
}

/** The image's installed packages (dpkg's database, or apk's for Alpine) and distro (os-release), blobs checked. */
export async function scanImage(dir: string, opts: ImageLayoutReadOptions): Promise<ScannedImage> {
  const layout = await readImageLayout(dir, opts);
  const fs = await readLayerEntries(dir, layout);
  const { distro, packages, skipped } = imageScanPackages(fs);
  if (distro === undefined)
    throw new CommandError(
      'image-distro-unknown',
      `${safeText(dir)}: the image has no os-release naming its distribution (etc/os-release, usr/lib/os-release)`,
    );
  const name = layoutImageName(dir, layout);
  return {
    digest: layout.indexDigest,
    manifestDigest: layout.manifestDigest,
    platform: layout.platform,
    ...(name === undefined ? {} : { name }),
    distro,
    packages: packages.map((p) => ({
      name: p.name,
      version: p.version,
      arch: p.arch,
      source: p.source,
      sourceVersion: p.sourceVersion,
    })),
    skipped: skipped.map((s) => ({ stanza: s.stanza, reason: s.reason })),
  };
}
