import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import { spdxExpression, spdxLicenseId } from './license-ids';
import type { ImageInventory, InventoryPackage } from './image-inventory';
import { checkTimestamp, hashUuid } from './sbom-ids';

export interface SbomOptions {
  /** The SBOM's creation time (RFC 3339 UTC, `2024-01-02T03:04:05Z`): an input, so the output is reproducible. */
  timestamp: string;
  /** The generating tool's version (default `0.1.0`). */
  toolVersion?: string;
}

export const SBOM_TOOL = 'patch-factory';
/** Property names (CycloneDX `properties`) of this generator. */
export const SbomProperty = {
  sourceName: 'patch-factory:deb:source-name',
  sourceVersion: 'patch-factory:deb:source-version',
  sourcePurl: 'patch-factory:deb:source-purl',
  licenseNote: 'patch-factory:deb:license-note',
  /** An apk package's origin (`o:`), the aports package it was built from. */
  apkOrigin: 'patch-factory:apk:origin',
  apkOriginPurl: 'patch-factory:apk:origin-purl',
  apkLicenseNote: 'patch-factory:apk:license-note',
  platform: 'patch-factory:oci:platform',
  manifestDigest: 'patch-factory:oci:manifest-digest',
  distro: 'patch-factory:distro',
} as const;

/** The spec version of the CycloneDX documents made here. */
export const CYCLONEDX_SPEC_VERSION = '1.6';

/**
 * The library's metadata normalizer, with the timestamp as given (`2024-01-02T03:04:05Z`, as the
 * SPDX document's `created`), not `Date#toISOString`'s milliseconds.
 */
class MetadataNormalizer extends Serialize.JSON.Normalize.MetadataNormalizer {
  override normalize(data: Models.Metadata, options: Serialize.Types.NormalizerOptions) {
    const out = super.normalize(data, options);
    return { ...out, timestamp: out.timestamp?.replace(/\.000Z$/, 'Z') };
  }
}

/**
 * The library's dependency graph normalizer, keeping only the elements whose dependencies are
 * known (the image's: its packages). The library would list every component with no
 * `dependsOn`, which CycloneDX 1.6 reads as "has no dependencies" — not known for a package
 * read from dpkg's or apk's database, so it is left out of the graph (dependencies unknown).
 */
class DependencyGraphNormalizer extends Serialize.JSON.Normalize.DependencyGraphNormalizer {
  override normalize(data: Models.Bom, options: Serialize.Types.NormalizerOptions) {
    return super.normalize(data, options)?.filter((d) => d.dependsOn !== undefined);
  }
}

class NormalizerFactory extends Serialize.JSON.Normalize.Factory {
  override makeForMetadata(): Serialize.JSON.Normalize.MetadataNormalizer {
    return new MetadataNormalizer(this);
  }
  override makeForDependencyGraph(): Serialize.JSON.Normalize.DependencyGraphNormalizer {
    return new DependencyGraphNormalizer(this);
  }
}

const serializer = new Serialize.JsonSerializer(new NormalizerFactory(Spec.Spec1dot6));

/**
 * A CycloneDX 1.6 JSON SBOM of one image platform, built with the CycloneDX library's model and
 * JSON serializer (@cyclonedx/cyclonedx-library): metadata.component is the image (type
 * container, version its digest, an oci purl), components its installed packages (sorted by
 * purl): Debian ones with deb purls, source package properties and licenses (an SPDX id when
 * the copyright file's short name is one, the name otherwise); Alpine ones with apk purls,
 * origin properties and their `L:` license (an SPDX id, an SPDX expression when it is one of
 * SPDX ids, the name otherwise). The serial number comes from the image digest and platform,
 * the timestamp from `opts`; every list is built in a fixed order: the same input gives the
 * same bytes (two-space indent, a final newline).
 */
export function cycloneDxJson(inv: ImageInventory, opts: SbomOptions): string {
  const timestamp = checkTimestamp(opts.timestamp, 'timestamp');
  const image = inv.image;
  const imageProps: [string, string][] = [[SbomProperty.platform, image.platform]];
  if (image.manifestDigest) imageProps.push([SbomProperty.manifestDigest, image.manifestDigest]);
  if (inv.distro) imageProps.push([SbomProperty.distro, inv.distro]);
  const root = new Models.Component(Enums.ComponentType.Container, image.name, {
    bomRef: inv.purl,
    version: image.digest,
    purl: inv.purl,
    properties: properties(imageProps),
  });
  const components = [...inv.packages].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0)).map(component);
  for (const c of components) root.dependencies.add(c.bomRef);
  const tool = new Models.Component(Enums.ComponentType.Application, SBOM_TOOL, {
    version: opts.toolVersion ?? '0.1.0',
  });
  const bom = new Models.Bom({
    serialNumber: `urn:uuid:${hashUuid(`cyclonedx ${image.digest} ${image.platform}`)}`,
    version: 1,
    metadata: new Models.Metadata({
      timestamp: new Date(timestamp),
      tools: new Models.Tools({ components: new Models.ComponentRepository([tool]) }),
      component: root,
    }),
    components: new Models.ComponentRepository(components),
  });
  // No sortLists: the lists keep the order they were built in (packages by purl), as before.
  return `${serializer.serialize(bom, { space: 2 })}\n`;
}

function properties(entries: [string, string][]): Models.PropertyRepository {
  return new Models.PropertyRepository(entries.map(([name, value]) => new Models.Property(name, value)));
}

function component(p: InventoryPackage): Models.Component {
  const props: [string, string][] =
    p.type === 'apk'
      ? [
          [SbomProperty.apkOrigin, p.source.name],
          [SbomProperty.apkOriginPurl, p.sourcePurl],
        ]
      : [
          [SbomProperty.sourceName, p.source.name],
          [SbomProperty.sourceVersion, p.source.version],
          [SbomProperty.sourcePurl, p.sourcePurl],
        ];
  if (p.licenseNote)
    props.push([p.type === 'apk' ? SbomProperty.apkLicenseNote : SbomProperty.licenseNote, p.licenseNote]);
  const licenses = p.type === 'apk' ? p.licenses?.slice(0, 1).map(apkLicense) : p.licenses?.map(licenseChoice);
  return new Models.Component(Enums.ComponentType.Library, p.name, {
    bomRef: p.purl,
    version: p.version,
    purl: p.purl,
    licenses: new Models.LicenseRepository(dedupe(licenses ?? [])),
    properties: properties(props),
  });
}

/** A license name: its SPDX id when it is one, else a named license. */
function licenseChoice(name: string): Models.License {
  const id = spdxLicenseId(name);
  return id === undefined ? new Models.NamedLicense(name) : new Models.SpdxLicense(id);
}

/** apk's `L:`: an SPDX id, else an expression when every operand is an SPDX id (CycloneDX: then the only entry), else a name. */
function apkLicense(text: string): Models.License {
  if (spdxLicenseId(text) !== undefined) return licenseChoice(text);
  const { expression, refs } = spdxExpression(text);
  return refs.size === 0 && / (AND|OR) /.test(expression)
    ? new Models.LicenseExpression(expression)
    : new Models.NamedLicense(text);
}

/** The licenses once each (a copyright file may name one in several paragraphs). */
function dedupe(items: Models.License[]): Models.License[] {
  const seen = new Set<string>();
  return items.filter((l) => {
    const key =
      l instanceof Models.LicenseExpression
        ? `e ${l.expression}`
        : l instanceof Models.SpdxLicense
          ? `i ${l.id}`
          : `n ${l.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
