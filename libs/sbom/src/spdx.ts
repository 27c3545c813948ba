import { createHash } from 'node:crypto';
import type { SbomOptions } from './cyclonedx';
import { SBOM_TOOL } from './cyclonedx';
import { spdxExpression } from './license-ids';
import type { ImageInventory, InventoryPackage } from './image-inventory';
import { checkTimestamp, hashUuid, sbomJson } from './sbom-ids';

export interface SpdxOptions extends SbomOptions {
  /** The base of documentNamespace (default `https://patch-factory.invalid/spdx`). */
  namespaceBase?: string;
}

const NOASSERTION = 'NOASSERTION';

/**
 * An SPDX 2.3 JSON document of one image platform: the image as the described package
 * (purpose CONTAINER, an oci purl), each installed package CONTAINed in it with a
 * PACKAGE-MANAGER purl (deb or apk), licenseConcluded NOASSERTION and licenseDeclared from its
 * DEP-5 copyright file (Debian) or apk's `L:` field (Alpine): Debian short names turned into
 * SPDX ids, others into LicenseRef-s listed in hasExtractedLicensingInfos. The namespace comes from the digest and platform, `created`
 * from `opts.timestamp`: the same input gives the same bytes.
 */
export function spdxJson(inv: ImageInventory, opts: SpdxOptions): string {
  const created = checkTimestamp(opts.timestamp, 'timestamp');
  const image = inv.image;
  const base = (opts.namespaceBase ?? 'https://patch-factory.invalid/spdx').replace(/\/+$/, '');
  const namespace = `${base}/${image.name.split('/').map(encodeURIComponent).join('/')}/${image.digest.slice('sha256:'.length)}/${image.platform.replaceAll('/', '-')}-${hashUuid(`spdx ${image.digest} ${image.platform}`)}`;
  const extracted = new Map<string, { name: string; from: 'deb' | 'apk' }>();
  const ids = new Set<string>(['SPDXRef-DOCUMENT', 'SPDXRef-Image']);
  const packages = [...inv.packages]
    .sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0))
    .map((p) => {
      const id = uniqueId(`SPDXRef-Package-${p.type}-${p.name}-${p.architecture}`, p.purl, ids);
      return { id, doc: spdxPackage(p, id, extracted) };
    });
  return sbomJson({
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${image.name}@${image.digest} ${image.platform}`,
    documentNamespace: namespace,
    creationInfo: { created, creators: [`Tool: ${SBOM_TOOL}-${opts.toolVersion ?? '0.1.0'}`] },
    packages: [
      {
        name: image.name,
        SPDXID: 'SPDXRef-Image',
        versionInfo: image.digest,
        downloadLocation: NOASSERTION,
        filesAnalyzed: false,
        primaryPackagePurpose: 'CONTAINER',
        licenseConcluded: NOASSERTION,
        licenseDeclared: NOASSERTION,
        copyrightText: NOASSERTION,
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: inv.purl }],
      },
      ...packages.map((p) => p.doc),
    ],
    ...(extracted.size > 0
      ? {
          hasExtractedLicensingInfos: [...extracted.entries()]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([licenseId, { name, from }]) => ({
              licenseId,
              name,
              extractedText:
                from === 'apk'
                  ? `The license named "${name}" in the L: field of apk's installed database.`
                  : `The license named "${name}" in a Debian machine-readable copyright file.`,
            })),
        }
      : {}),
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Image' },
      ...packages.map((p) => ({
        spdxElementId: 'SPDXRef-Image',
        relationshipType: 'CONTAINS',
        relatedSpdxElement: p.id,
      })),
    ],
  });
}

function spdxPackage(p: InventoryPackage, id: string, extracted: Map<string, { name: string; from: 'deb' | 'apk' }>) {
  let declared = NOASSERTION;
  if (p.licenses) {
    const parts = p.licenses.map((name) => {
      const { expression, refs } = spdxExpression(name);
      for (const [ref, text] of refs) if (!extracted.has(ref)) extracted.set(ref, { name: text, from: p.type });
      return expression;
    });
    const unique = [...new Set(parts)];
    declared =
      unique.length === 1
        ? (unique[0] as string)
        : unique.map((e) => (/ (AND|OR) /.test(e) ? `(${e})` : e)).join(' AND ');
  }
  return {
    name: p.name,
    SPDXID: id,
    versionInfo: p.version,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    sourceInfo:
      p.type === 'apk'
        ? `built from the Alpine origin package ${p.source.name} ${p.source.version}`
        : `built from the Debian source package ${p.source.name} ${p.source.version}`,
    licenseConcluded: NOASSERTION,
    licenseDeclared: declared,
    copyrightText: NOASSERTION,
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }],
  };
}

/** An SPDXID of letters, digits, `.` and `-`; a clash (after replacing other characters) gets a hash suffix. */
function uniqueId(wanted: string, key: string, ids: Set<string>): string {
  let id = wanted.replace(/[^A-Za-z0-9.-]/g, '-');
  if (ids.has(id)) id = `${id}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
  ids.add(id);
  return id;
}
