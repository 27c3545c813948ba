import { shown } from '@patch-factory/contracts';
import type { TarEntry } from '@patch-factory/oci';
import { imageReferenceProblem, parseImageReference, referenceName } from '@patch-factory/oci';
import { apkPackages, APK_INSTALLED, type ApkInstalledLimits, type ApkPackages } from './apk-installed';
import { packageLicenses } from './copyright';
import {
  DPKG_STATUS,
  dpkgPackages,
  type DpkgPackages,
  type DpkgStatusLimits,
  type InstalledDeb,
  type SkippedStanza,
} from './dpkg-packages';
import { imageFile } from './image-files';
import { imageOs } from './os-release';
import { apkPurl, debPurl, ociPurl } from './purl';
import { SbomErrorCode, sbomTerminal } from './sbom-errors';

/** The image an SBOM describes. */
export interface SbomImage {
  /** Its name by the OCI reference grammar: `examples/redis`, or with a registry host, port and tag (`registry.example.org:5000/examples/redis:7.0`). */
  name: string;
  /** Its digest (`sha256:…`): what the layout's index.json points to. */
  digest: string;
  /** `os/arch[/variant]`: the platform whose file system was read. */
  platform: string;
  /** The platform's manifest digest, when known. */
  manifestDigest?: string;
}

/** The package database an image's packages come from: dpkg's (Debian) or apk's (Alpine). */
export type PackageDatabase = 'dpkg' | 'apk';

/**
 * One installed package. For apk packages `architecture` is apk's (`x86_64`), `source` is the
 * origin (`o:`, the aports package OSV's Alpine advisories are keyed by) at the package's version.
 */
export interface InventoryPackage extends InstalledDeb {
  /** Its purl type: `deb` (from dpkg's database) or `apk` (from apk's). */
  type: 'deb' | 'apk';
  purl: string;
  /**
   * The source package as a purl: `pkg:deb/debian/openssl@3.0.11-1?arch=source&distro=debian-12`
   * (the form OSV uses), for apk the origin `pkg:apk/alpine/openssl@3.3.2-r0?distro=alpine-3.20`.
   */
  sourcePurl: string;
  /**
   * Debian: the License short names of the DEP-5 copyright file; apk: the one `L:` expression
   * of the database. Undefined when there are none (see `licenseNote`).
   */
  licenses: string[] | undefined;
  /** Why `licenses` is undefined. */
  licenseNote?: string;
}

/** What an image holds, as both SBOM formats need it. */
export interface ImageInventory {
  image: SbomImage;
  /** `pkg:oci/<name>@<digest>?arch=<arch>`. */
  purl: string;
  /** `<ID>-<VERSION_ID>` of its os-release (`debian-12`; Alpine's major.minor: `alpine-3.20`), if any. */
  distro: string | undefined;
  /** Where `packages` come from; undefined when the image has neither database. */
  database: PackageDatabase | undefined;
  packages: InventoryPackage[];
  /** Status paragraphs (apk records) that name no installed package, and why. */
  skipped: SkippedStanza[];
}

export interface PackageDbLimits extends DpkgStatusLimits, ApkInstalledLimits {}

/** The installed packages of an image from the one package database it has. */
export type ImagePackages =
  | { database: 'dpkg'; packages: DpkgPackages['packages']; skipped: SkippedStanza[] }
  | { database: 'apk'; packages: ApkPackages['packages']; skipped: SkippedStanza[] }
  | { database: undefined; packages: []; skipped: [] };

/**
 * The installed packages of an image's flattened file system: dpkg's status database
 * (`var/lib/dpkg/status`) or apk's installed database (`lib/apk/db/installed`), whichever the
 * image has. An image whose two databases BOTH list installed packages is refused with
 * `sbom-database-conflict` (which one describes the image is not clear, and scanning the
 * wrong one would hide vulnerabilities); a database that exists but lists nothing gives way to
 * the other. With neither (or both empty) the database follows os-release (`alpine` → apk,
 * else dpkg), or is undefined when neither file exists. Throws `sbom-status-invalid` /
 * `sbom-apk-db-invalid` for a broken database.
 */
export function imagePackages(fs: ReadonlyMap<string, TarEntry>, limits: PackageDbLimits = {}): ImagePackages {
  const dpkg = dpkgPackages(fs, limits);
  const apk = apkPackages(fs, limits);
  if (dpkg.packages.length > 0 && apk && apk.packages.length > 0) {
    throw sbomTerminal(
      SbomErrorCode.databaseConflict,
      `the image has two package databases that both list installed packages: ${DPKG_STATUS} (${dpkg.packages.length}) and ${APK_INSTALLED} (${apk.packages.length}); an image is scanned from one, remove the one that does not describe it`,
    );
  }
  if (dpkg.packages.length > 0) return { database: 'dpkg', ...dpkg };
  if (apk && apk.packages.length > 0) return { database: 'apk', ...apk };
  const hasDpkg = dpkg.skipped.length > 0 || imageFile(fs, DPKG_STATUS) !== undefined;
  if (apk && (!hasDpkg || imageOs(fs).id === 'alpine')) return { database: 'apk', ...apk };
  if (hasDpkg) return { database: 'dpkg', ...dpkg };
  return { database: undefined, packages: [], skipped: [] };
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const PLATFORM = /^[a-z0-9][a-z0-9._-]{0,63}\/([a-z0-9][a-z0-9._-]{0,63})(\/[a-z0-9][a-z0-9._-]{0,63})?$/;

/**
 * Collects the installed packages of an image's flattened file system (see `readImageRootFs`
 * of @patch-factory/builder; the database as `imagePackages` picks it) with their purls,
 * source packages and licenses: Debian packages as `pkg:deb/<ID>/…` with their DEP-5 copyright
 * licenses, Alpine packages as `pkg:apk/<ID>/<name>@<version>?arch=<arch>&distro=alpine-3.20`
 * (purl-spec's apk type) with their origin as source and their `L:` license. Throws
 * `sbom-input-invalid` for a bad image name, digest or platform, and the errors of
 * `imagePackages` for a broken or ambiguous package database.
 */
export function imageInventory(
  image: SbomImage,
  fs: ReadonlyMap<string, TarEntry>,
  limits: PackageDbLimits = {},
): ImageInventory {
  const bad = (field: string, value: string, want: string) =>
    sbomTerminal(SbomErrorCode.inputInvalid, `SBOM image ${field} "${shown(value, 80)}" is not ${want}`);
  const reference = parseImageReference(image.name);
  if (reference === undefined)
    throw sbomTerminal(
      SbomErrorCode.inputInvalid,
      `SBOM image name: ${imageReferenceProblem(image.name) ?? 'is not an image reference'} (expected [host[:port]/]repository[:tag] like registry.example.org:5000/examples/redis:7.0)`,
    );
  if (typeof image.digest !== 'string' || !DIGEST.test(image.digest))
    throw bad('digest', String(image.digest), 'sha256:<64 hex>');
  if (image.manifestDigest !== undefined && !DIGEST.test(image.manifestDigest))
    throw bad('manifest digest', String(image.manifestDigest), 'sha256:<64 hex>');
  const platform = typeof image.platform === 'string' ? PLATFORM.exec(image.platform) : null;
  if (!platform) throw bad('platform', String(image.platform), 'os/arch[/variant] like linux/amd64');
  const os = imageOs(fs);
  const { distro } = os;
  const found = imagePackages(fs, limits);
  let inventory: InventoryPackage[];
  if (found.database === 'apk') {
    const vendor = os.id ?? 'alpine';
    inventory = found.packages.map((p): InventoryPackage => ({
      type: 'apk',
      name: p.name,
      version: p.version,
      architecture: p.architecture,
      source: { name: p.origin, version: p.version },
      purl: apkPurl(vendor, p.name, p.version, { arch: p.architecture, distro }),
      sourcePurl: apkPurl(vendor, p.origin, p.version, { distro }),
      licenses: p.license === undefined ? undefined : [p.license],
      ...(p.license === undefined ? { licenseNote: `no L: (license) field in ${APK_INSTALLED}` } : {}),
    }));
  } else {
    const vendor = os.id ?? 'debian';
    inventory = found.packages.map((p): InventoryPackage => {
      const licenses = packageLicenses(fs, p.name);
      return {
        type: 'deb',
        ...p,
        purl: debPurl(vendor, p.name, p.version, { arch: p.architecture, distro }),
        sourcePurl: debPurl(vendor, p.source.name, p.source.version, { arch: 'source', distro }),
        licenses: licenses.licenses,
        ...(licenses.licenses === undefined ? { licenseNote: licenses.reason } : {}),
      };
    });
  }
  const purl = ociPurl(reference.path, image.digest, {
    arch: platform[1],
    repository_url: reference.domain === undefined ? undefined : referenceName(reference),
    tag: reference.tag,
  });
  return { image, purl, distro, database: found.database, packages: inventory, skipped: found.skipped };
}

/** An inventory package as the scanner (libs/vuln `scan`) takes it: looked up by source package (apk: origin) and version. */
export interface InventoryScanPackage {
  name: string;
  version: string;
  arch: string;
  source: string;
  sourceVersion: string;
}

/** The scan input of an inventory: each package with its source package (Debian) or origin (Alpine) and version. */
export function inventoryScanPackages(inv: ImageInventory): InventoryScanPackage[] {
  return inv.packages.map((p) => ({
    name: p.name,
    version: p.version,
    arch: p.architecture,
    source: p.source.name,
    sourceVersion: p.source.version,
  }));
}

/**
 * The scan input of an image's flattened file system without the SBOM's image description
 * (for the command line): its distro and packages from the database `imagePackages` picks.
 */
export function imageScanPackages(
  fs: ReadonlyMap<string, TarEntry>,
  limits: PackageDbLimits = {},
): {
  distro: string | undefined;
  database: PackageDatabase | undefined;
  packages: InventoryScanPackage[];
  skipped: SkippedStanza[];
} {
  const found = imagePackages(fs, limits);
  const packages =
    found.database === 'apk'
      ? found.packages.map((p) => ({
          name: p.name,
          version: p.version,
          arch: p.architecture,
          source: p.origin,
          sourceVersion: p.version,
        }))
      : found.packages.map((p) => ({
          name: p.name,
          version: p.version,
          arch: p.architecture,
          source: p.source.name,
          sourceVersion: p.source.version,
        }));
  return { distro: imageOs(fs).distro, database: found.database, packages, skipped: found.skipped };
}
