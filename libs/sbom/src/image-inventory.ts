import type { TarEntry } from '@patch-factory/builder';
import { packageLicenses } from './copyright';
import { dpkgPackages, type DpkgStatusLimits, type InstalledDeb, type SkippedStanza } from './dpkg-packages';
import { imageOs } from './os-release';
import { debPurl, ociPurl } from './purl';
import { SbomErrorCode, sbomTerminal, shown } from './sbom-errors';

/** The image an SBOM describes. */
export interface SbomImage {
  /** Its repository name (`examples/redis`). */
  name: string;
  /** Its digest (`sha256:…`): what the layout's index.json points to. */
  digest: string;
  /** `os/arch[/variant]`: the platform whose file system was read. */
  platform: string;
  /** The platform's manifest digest, when known. */
  manifestDigest?: string;
}

export interface InventoryPackage extends InstalledDeb {
  purl: string;
  /** The source package as a purl (`pkg:deb/debian/openssl@3.0.11-1?arch=source&distro=debian-12`, the form OSV uses). */
  sourcePurl: string;
  /** License short names from the DEP-5 copyright file, or undefined (see `licenseNote`). */
  licenses: string[] | undefined;
  /** Why `licenses` is undefined. */
  licenseNote?: string;
}

/** What an image holds, as both SBOM formats need it. */
export interface ImageInventory {
  image: SbomImage;
  /** `pkg:oci/<name>@<digest>?arch=<arch>`. */
  purl: string;
  /** `<ID>-<VERSION_ID>` of its os-release (`debian-12`), if any. */
  distro: string | undefined;
  packages: InventoryPackage[];
  /** Status paragraphs that name no installed package, and why. */
  skipped: SkippedStanza[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const PLATFORM = /^[a-z0-9][a-z0-9._-]{0,63}\/([a-z0-9][a-z0-9._-]{0,63})(\/[a-z0-9][a-z0-9._-]{0,63})?$/;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*){0,8}$/;

/**
 * Collects the installed Debian packages of an image's flattened file system (see
 * `readImageRootFs` of @patch-factory/builder) with their purls, source packages and
 * licenses. Throws `sbom-input-invalid` for a bad image name, digest or platform and
 * `sbom-status-invalid` for a broken dpkg database.
 */
export function imageInventory(image: SbomImage, fs: ReadonlyMap<string, TarEntry>, limits: DpkgStatusLimits = {}): ImageInventory {
  const bad = (field: string, value: string, want: string) => sbomTerminal(SbomErrorCode.inputInvalid, `SBOM image ${field} "${shown(value, 80)}" is not ${want}`);
  if (typeof image.name !== 'string' || !REPOSITORY.test(image.name)) throw bad('name', String(image.name), 'a lowercase repository name like examples/redis');
  if (typeof image.digest !== 'string' || !DIGEST.test(image.digest)) throw bad('digest', String(image.digest), 'sha256:<64 hex>');
  if (image.manifestDigest !== undefined && !DIGEST.test(image.manifestDigest)) throw bad('manifest digest', String(image.manifestDigest), 'sha256:<64 hex>');
  const platform = typeof image.platform === 'string' ? PLATFORM.exec(image.platform) : null;
  if (!platform) throw bad('platform', String(image.platform), 'os/arch[/variant] like linux/amd64');
  const { id: vendor = 'debian', distro } = imageOs(fs);
  const { packages, skipped } = dpkgPackages(fs, limits);
  const inventory = packages.map((p): InventoryPackage => {
    const found = packageLicenses(fs, p.name);
    return {
      ...p,
      purl: debPurl(vendor, p.name, p.version, { arch: p.architecture, distro }),
      sourcePurl: debPurl(vendor, p.source.name, p.source.version, { arch: 'source', distro }),
      licenses: found.licenses,
      ...(found.licenses === undefined ? { licenseNote: found.reason } : {}),
    };
  });
  const purl = ociPurl(image.name, image.digest, { arch: platform[1] });
  return { image, purl, distro, packages: inventory, skipped };
}
