import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { readImageLayout, readLayerEntries, type TarEntry } from '@patch-factory/oci';
import {
  cycloneDxJson,
  cycloneDxProblems,
  hashUuid,
  imageInventory,
  sbomValidators,
  spdxExpression,
  spdxJson,
  spdxLicenseId,
  spdxSchemaPath,
  SBOM_TOOL,
  SbomProperty,
  type ImageInventory,
  type InventoryPackage,
} from '@patch-factory/sbom';
import { catalogExamples, startExampleBuilder } from './catalog-examples';

/**
 * The cost of the SBOM gate (issue 15). Builds every example of examples/catalog (all its
 * platforms) from a loopback mirror of Debian 12 packages, reads each platform's inventory and
 * measures, median of BENCH_SBOM_RUNS (default 20): making the CycloneDX document with
 * @cyclonedx/cyclonedx-library's model and serializer beside the hand-written JSON it replaced
 * (kept below, only here), making the SPDX document, and validating both against the official
 * schemas (what the `sbom-invalid` gate adds to each run of the scan stage). Also once per
 * process: compiling the two schemas. The host's own dpkg database (a real Debian inventory of
 * hundreds of packages) is measured the same way when the host has one.
 */
const RUNS = Math.max(3, Number(process.env['BENCH_SBOM_RUNS'] ?? 20));
const TIMESTAMP = '2025-01-01T00:00:00Z';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
function timed(f: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    f();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** The hand-written CycloneDX JSON of libs/sbom before issue 15 (the baseline only). */
function handWrittenCycloneDx(inv: ImageInventory): string {
  type Property = { name: string; value: string };
  const license = (name: string) => {
    const id = spdxLicenseId(name);
    return { license: id === undefined ? { name } : { id } };
  };
  const apkLicense = (text: string) => {
    if (spdxLicenseId(text) !== undefined) return license(text);
    const { expression, refs } = spdxExpression(text);
    return refs.size === 0 && / (AND|OR) /.test(expression) ? { expression } : { license: { name: text } };
  };
  const dedupe = <T>(items: T[]): T[] => {
    const seen = new Set<string>();
    return items.filter((i) => !seen.has(JSON.stringify(i)) && Boolean(seen.add(JSON.stringify(i))));
  };
  const component = (p: InventoryPackage) => {
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
    if (p.licenseNote)
      properties.push({
        name: p.type === 'apk' ? SbomProperty.apkLicenseNote : SbomProperty.licenseNote,
        value: p.licenseNote,
      });
    const licenses = p.type === 'apk' ? p.licenses?.slice(0, 1).map(apkLicense) : p.licenses?.map(license);
    return {
      type: 'library',
      'bom-ref': p.purl,
      name: p.name,
      version: p.version,
      ...(licenses ? { licenses: dedupe<object>(licenses) } : {}),
      purl: p.purl,
      properties,
    };
  };
  const image = inv.image;
  const imageProps: Property[] = [{ name: SbomProperty.platform, value: image.platform }];
  if (image.manifestDigest) imageProps.push({ name: SbomProperty.manifestDigest, value: image.manifestDigest });
  if (inv.distro) imageProps.push({ name: SbomProperty.distro, value: inv.distro });
  const components = [...inv.packages].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0)).map(component);
  const bom = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${hashUuid(`cyclonedx ${image.digest} ${image.platform}`)}`,
    version: 1,
    metadata: {
      timestamp: TIMESTAMP,
      tools: { components: [{ type: 'application', name: SBOM_TOOL, version: '0.1.0' }] },
      component: {
        type: 'container',
        'bom-ref': inv.purl,
        name: image.name,
        version: image.digest,
        purl: inv.purl,
        properties: imageProps,
      },
    },
    components,
    dependencies: [{ ref: inv.purl, dependsOn: components.map((c) => c.purl) }],
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}

/** The host's dpkg database, os-release and copyright files as an image file system. */
function hostFileSystem(): Map<string, TarEntry> | undefined {
  if (!existsSync('/var/lib/dpkg/status') || !existsSync('/etc/os-release')) return undefined;
  const entry = (path: string, from: string): TarEntry => ({
    path,
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: 0,
    data: readFileSync(realpathSync(from)),
  });
  const fs = new Map<string, TarEntry>([
    ['var/lib/dpkg/status', entry('var/lib/dpkg/status', '/var/lib/dpkg/status')],
    ['etc/os-release', entry('etc/os-release', '/etc/os-release')],
  ]);
  for (const name of existsSync('/usr/share/doc') ? readdirSync('/usr/share/doc') : []) {
    const from = join('/usr/share/doc', name, 'copyright');
    if (existsSync(from)) fs.set(`usr/share/doc/${name}/copyright`, entry(`usr/share/doc/${name}/copyright`, from));
  }
  return fs;
}

interface Row {
  what: string;
  packages: number;
  libMs: number;
  oldMs: number;
  spdxMs: number;
  cdxCheckMs: number;
  spdxCheckMs: number;
  same: boolean;
}

function measure(what: string, inv: ImageInventory, validators: ReturnType<typeof sbomValidators>): Row {
  const cdx = cycloneDxJson(inv, { timestamp: TIMESTAMP });
  const spdx = spdxJson(inv, { timestamp: TIMESTAMP });
  const problems = [...validators.cyclonedx(cdx), ...validators.spdx(spdx)];
  if (problems.length > 0) throw new Error(`${what}: the SBOMs are not valid: ${JSON.stringify(problems.slice(0, 3))}`);
  return {
    what,
    packages: inv.packages.length,
    libMs: timed(() => cycloneDxJson(inv, { timestamp: TIMESTAMP })),
    oldMs: timed(() => handWrittenCycloneDx(inv)),
    spdxMs: timed(() => spdxJson(inv, { timestamp: TIMESTAMP })),
    cdxCheckMs: timed(() => validators.cyclonedx(cdx)),
    spdxCheckMs: timed(() => validators.spdx(spdx)),
    same: deepEqual(JSON.parse(cdx), JSON.parse(handWrittenCycloneDx(inv))),
  };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

async function main(): Promise<void> {
  console.log(
    `bench:sbom-gate — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, median of ${RUNS}`,
  );
  const t0 = performance.now();
  cycloneDxProblems('{}');
  const t1 = performance.now();
  const validators = sbomValidators(spdxSchemaPath(process.env['PF_SPDX_SCHEMA_PATH']));
  const compileMs = { cyclonedx: t1 - t0, spdx: performance.now() - t1 };
  const rows: Row[] = [];
  const perRun: string[] = [];
  const host = hostFileSystem();
  if (host)
    rows.push(
      measure(
        'host dpkg database',
        imageInventory({ name: 'examples/host', digest: `sha256:${'0'.repeat(64)}`, platform: 'linux/amd64' }, host),
        validators,
      ),
    );

  const builder = await startExampleBuilder('pf-bench-sbom-');
  try {
    for (const { file: example, text } of catalogExamples()) {
      let checkMs = 0;
      try {
        const { outDir, result } = await builder.build({ file: example, text });
        for (const p of result.platforms) {
          const layout = await readImageLayout(outDir, { platform: p.platform });
          const fs = await readLayerEntries(outDir, layout);
          const inv = imageInventory(
            {
              name: 'examples/bench',
              digest: layout.indexDigest,
              manifestDigest: layout.manifestDigest,
              platform: layout.platform,
            },
            fs,
          );
          const row = measure(`${example} ${p.platform}`, inv, validators);
          checkMs += row.cdxCheckMs + row.spdxCheckMs;
          rows.push(row);
        }
        perRun.push(
          `${example}: ${result.platforms.length} platform(s), validation adds ${checkMs.toFixed(2)} ms per run`,
        );
      } catch (error) {
        perRun.push(`${example}: not built here (${(error as Error).message.split('\n')[0]?.slice(0, 160) ?? ''})`);
      }
    }
  } finally {
    await builder.close();
  }
  const table = [
    [
      'inventory',
      'packages',
      'CycloneDX library ms',
      'hand-written ms',
      'library/hand',
      'SPDX ms',
      'validate CycloneDX ms',
      'validate SPDX ms',
      'same JSON',
    ],
    ...rows.map((r) => [
      r.what,
      String(r.packages),
      r.libMs.toFixed(2),
      r.oldMs.toFixed(2),
      (r.libMs / r.oldMs).toFixed(2),
      r.spdxMs.toFixed(2),
      r.cdxCheckMs.toFixed(2),
      r.spdxCheckMs.toFixed(2),
      r.same ? 'yes' : 'NO',
    ]),
  ];
  const widths = (table[0] as string[]).map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  for (const r of table)
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
  console.log(
    `compiling the schemas, once per process: CycloneDX 1.6 ${compileMs.cyclonedx.toFixed(0)} ms, SPDX 2.3 ${compileMs.spdx.toFixed(0)} ms`,
  );
  for (const line of perRun) console.log(line);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
