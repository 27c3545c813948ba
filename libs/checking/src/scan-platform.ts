import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readImageLayout, readLayerEntries } from '@patch-factory/oci';
import {
  cycloneDxJson,
  describeSbomProblem,
  imageInventory,
  inventoryScanPackages,
  spdxJson,
  type ImageInventory,
  type SbomValidators,
} from '@patch-factory/sbom';
import { applyVex, scan, type VexDocument, type VulnDb } from '@patch-factory/vuln';
import type { ScanFinding, ScanPlatform, ScanReport } from './scan-report';

export interface PlatformScanInput {
  layout: string;
  platform: string;
  /** The image's repository name (the definition's `image`). */
  name: string;
  /** The image index digest. */
  digest: string;
  /** Where the SBOMs go (`<out>/<runId>/sbom`). */
  sbomDir: string;
  db: VulnDb;
  vex: readonly VexDocument[];
  /** The official schemas both SBOMs are checked against (sbomValidators of libs/sbom); what breaks them is `sbomInvalid`. */
  validators: SbomValidators;
}

export interface PlatformScan {
  platform: ScanPlatform;
  findings: ScanFinding[];
  suppressed: ScanReport['suppressed'];
  /** The image config's `created`, as an SBOM timestamp. */
  created: string;
}

/** `2024-01-02T03:04:05Z` of an image config's `created` (SOURCE_DATE_EPOCH of the build), else the epoch. */
function sbomTimestamp(created: unknown): string {
  const ms = typeof created === 'string' ? Date.parse(created) : Number.NaN;
  return new Date(Number.isNaN(ms) ? 0 : ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * One platform of the image: its installed packages (libs/sbom), its CycloneDX and SPDX SBOMs
 * written to `<sbomDir>/<os>-<arch>.cdx.json|.spdx.json` (each parsed back, so an unreadable
 * one counts as missing), and its vulnerabilities (libs/vuln: the advisories matched by source
 * package, an Alpine package's by its origin in apk version order, then the catalog's VEX
 * statements). The packages come from dpkg's or apk's database (see imagePackages of
 * libs/sbom). A platform whose package database cannot be read (or is ambiguous), or holds
 * no package, has no SBOM (`sbomProblem` says why) and no findings. Each SBOM is validated
 * against its format's official schema (`input.validators`); what breaks it is listed in
 * `sbomInvalid` (the files are still written, to be looked at) and fails the `sbom-invalid` gate.
 */
export async function scanPlatform(input: PlatformScanInput): Promise<PlatformScan> {
  const image = await readImageLayout(input.layout, { platform: input.platform });
  const fs = await readLayerEntries(input.layout, image);
  const created = sbomTimestamp(image.config['created']);
  let inventory: ImageInventory;
  try {
    inventory = imageInventory(
      { name: input.name, digest: input.digest, platform: input.platform, manifestDigest: image.manifestDigest },
      fs,
    );
  } catch (error) {
    return {
      platform: { platform: input.platform, packages: [], sbomProblem: (error as Error).message },
      findings: [],
      suppressed: [],
      created,
    };
  }
  const packages = inventory.packages.map((p) => ({
    name: p.name,
    version: p.version,
    arch: p.architecture,
    source: p.source.name,
    sourceVersion: p.source.version,
  }));
  const base: ScanPlatform = {
    platform: input.platform,
    ...(inventory.distro ? { distro: inventory.distro } : {}),
    packages,
  };
  const sbom = await writeSboms(inventory, input, created);
  const platform: ScanPlatform =
    'problem' in sbom
      ? { ...base, sbomProblem: sbom.problem }
      : { ...base, sbom: sbom.paths, ...(sbom.invalid.length > 0 ? { sbomInvalid: sbom.invalid } : {}) };
  if (inventory.distro === undefined) return { platform, findings: [], suppressed: [], created };
  const scanned = scan(input.db, inventoryScanPackages(inventory), inventory.distro);
  const vexed = applyVex(scanned, input.vex, { name: input.name, digest: input.digest, distro: inventory.distro });
  return {
    platform,
    findings: vexed.findings.map((f) => ({ ...f, platform: input.platform })),
    suppressed: vexed.suppressed.map((s) => ({ finding: { ...s.finding, platform: input.platform }, vex: s.vex })),
    created,
  };
}

type WrittenSboms = { paths: { cyclonedx: string; spdx: string }; invalid: string[] } | { problem: string };

async function writeSboms(
  inventory: ImageInventory,
  input: PlatformScanInput,
  timestamp: string,
): Promise<WrittenSboms> {
  if (inventory.packages.length === 0)
    return { problem: 'the image has no installed packages (no dpkg status or apk installed database listing any)' };
  const stem = input.platform.split('/').join('-');
  const paths = { cyclonedx: join(input.sbomDir, `${stem}.cdx.json`), spdx: join(input.sbomDir, `${stem}.spdx.json`) };
  let cdx: string;
  let spdx: string;
  try {
    cdx = cycloneDxJson(inventory, { timestamp });
    spdx = spdxJson(inventory, { timestamp });
    const parsedCdx = JSON.parse(cdx) as { bomFormat?: unknown; components?: unknown };
    const parsedSpdx = JSON.parse(spdx) as { spdxVersion?: unknown; packages?: unknown };
    if (parsedCdx.bomFormat !== 'CycloneDX' || !Array.isArray(parsedCdx.components))
      return { problem: 'the CycloneDX SBOM has no bomFormat CycloneDX and components' };
    if (typeof parsedSpdx.spdxVersion !== 'string' || !Array.isArray(parsedSpdx.packages))
      return { problem: 'the SPDX SBOM has no spdxVersion and packages' };
  } catch (error) {
    return { problem: `the SBOM could not be made: ${(error as Error).message.slice(0, 300)}` };
  }
  // Outside the try: a validator that cannot run (sbom-schema-missing) fails the stage, never passes.
  const problems = [...input.validators.cyclonedx(cdx), ...input.validators.spdx(spdx)];
  try {
    await writeFile(paths.cyclonedx, cdx.endsWith('\n') ? cdx : `${cdx}\n`);
    await writeFile(paths.spdx, spdx.endsWith('\n') ? spdx : `${spdx}\n`);
  } catch (error) {
    return { problem: `the SBOM could not be made: ${(error as Error).message.slice(0, 300)}` };
  }
  return { paths, invalid: problems.map(describeSbomProblem) };
}
