import { spdxExpression, spdxLicenseId } from './license-ids';
import type { ImageInventory, InventoryPackage } from './image-inventory';
import { checkTimestamp, hashUuid, sbomJson } from './sbom-ids';

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

type Property = { name: string; value: string };

/**
 * A CycloneDX 1.6 JSON SBOM of one image platform: metadata.component is the image (type
 * container, version its digest, an oci purl), components its installed packages (sorted by
 * purl): Debian ones with deb purls, source package properties and licenses (an SPDX id when
 * the copyright file's short name is one, the name otherwise); Alpine ones with apk purls,
 * origin properties and their `L:` license (an SPDX id, an SPDX expression when it is one of
 * SPDX ids, the name otherwise). The serial number comes from
 * the image digest and platform, the timestamp from `opts`: the same input gives the same bytes.
 */
export function cycloneDxJson(inv: ImageInventory, opts: SbomOptions): string {
  const timestamp = checkTimestamp(opts.timestamp, 'timestamp');
  const image = inv.image;
  const imageProps: Property[] = [{ name: SbomProperty.platform, value: image.platform }];
  if (image.manifestDigest) imageProps.push({ name: SbomProperty.manifestDigest, value: image.manifestDigest });
  if (inv.distro) imageProps.push({ name: SbomProperty.distro, value: inv.distro });
  const components = [...inv.packages].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0)).map(component);
  return sbomJson({
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${hashUuid(`cyclonedx ${image.digest} ${image.platform}`)}`,
    version: 1,
    metadata: {
      timestamp,
      tools: { components: [{ type: 'application', name: SBOM_TOOL, version: opts.toolVersion ?? '0.1.0' }] },
      component: { type: 'container', 'bom-ref': inv.purl, name: image.name, version: image.digest, purl: inv.purl, properties: imageProps },
    },
    components,
    dependencies: [{ ref: inv.purl, dependsOn: components.map((c) => c.purl) }],
  });
}

function component(p: InventoryPackage) {
  const properties: Property[] =
    p.type === 'apk'
      ? [
          { name: SbomProperty.apkOrigin, value: p.source.name },
          { name: SbomProperty.apkOriginPurl, value: p.sourcePurl },
        ]
      : [
          { name: SbomProperty.sourceName, value: p.source.name },
          { name: SbomProperty.sourceVersion, value: p.source.version },
          { name: SbomProperty.sourcePurl, value: p.sourcePurl },
        ];
  if (p.licenseNote) properties.push({ name: p.type === 'apk' ? SbomProperty.apkLicenseNote : SbomProperty.licenseNote, value: p.licenseNote });
  const licenses = p.type === 'apk' ? p.licenses?.slice(0, 1).map(apkLicense) : p.licenses?.map((name) => licenseChoice(name));
  return {
    type: 'library' as const,
    'bom-ref': p.purl,
    name: p.name,
    version: p.version,
    ...(licenses ? { licenses: dedupe(licenses) } : {}),
    purl: p.purl,
    properties,
  };
}

function licenseChoice(name: string): { license: { id: string } | { name: string } } {
  const id = spdxLicenseId(name);
  return { license: id === undefined ? { name } : { id } };
}

/** apk's `L:`: an SPDX id, else an expression when every operand is an SPDX id (CycloneDX: then the only entry), else a name. */
function apkLicense(text: string): { license: { id: string } | { name: string } } | { expression: string } {
  if (spdxLicenseId(text) !== undefined) return licenseChoice(text);
  const { expression, refs } = spdxExpression(text);
  return refs.size === 0 && / (AND|OR) /.test(expression) ? { expression } : { license: { name: text } };
}

function dedupe<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = JSON.stringify(i);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
