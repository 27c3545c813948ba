import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TarEntry } from '@patch-factory/oci';
import { PipelineError } from '@patch-factory/contracts';
import { repoRoot } from '@patch-factory/testing';
import { applyVex, loadOsvJson, parseOpenVexText, scan, VulnDb } from '@patch-factory/vuln';
import { APK_INSTALLED, apkPackages, parseApkInstalled } from './apk-installed';
import { cycloneDxJson } from './cyclonedx';
import {
  imageInventory,
  imagePackages,
  imageScanPackages,
  inventoryScanPackages,
  type ImageInventory,
  type SbomImage,
} from './image-inventory';
import { imageDistro } from './os-release';
import { spdxJson } from './spdx';
import { cycloneDx16Validator, spdx23Validator, spdxReferenceErrors } from './sbom-schemas.fixture';

// Alpine images: apk's installed database (lib/apk/db/installed) → inventory (apk purls,
// origins, L: licenses) → CycloneDX and SPDX → the scan, which looks Alpine packages up by
// origin in apk version order.

const file = (path: string, text: string | Buffer): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  data: Buffer.isBuffer(text) ? text : Buffer.from(text),
});
const fsOf = (...entries: TarEntry[]) => new Map(entries.map((e) => [e.path, e]));

/** Records as apk writes them (fields in apk's order, the file list after the package fields). */
const record = (fields: [string, string][]) => fields.map(([k, v]) => `${k}:${v}`).join('\n');
const apk = (
  name: string,
  version: string,
  origin: string | undefined,
  license: string | undefined,
  files: string[] = [],
) =>
  record([
    ['C', 'Q1o8GmBydQqrWBPQUzzqPLn4Yq3cU='],
    ['P', name],
    ['V', version],
    ['A', 'x86_64'],
    ['S', '411323'],
    ['I', '662528'],
    ['T', `the ${name} package`],
    ['U', 'https://alpinelinux.org'],
    ...(license === undefined ? [] : ([['L', license]] as [string, string][])),
    ...(origin === undefined ? [] : ([['o', origin]] as [string, string][])),
    ['m', 'Natanael Copa <ncopa@alpinelinux.org>'],
    ['t', '1716280937'],
    ['c', '2f32d12e5bf8e9f9c5f4b9e2f6a3f2f0a0b1c2d3'],
    ...files.flatMap((f): [string, string][] => [
      ['F', f.split('/').slice(0, -1).join('/')],
      ['R', f.split('/').pop() as string],
      ['a', '0:0:755'],
      ['Z', 'Q1GHQbt1eS2dbd4rdOJyRzRmoEtpo='],
    ]),
  ]);

/** An Alpine 3.20 base image's database (versions of 3.20.3), with a few packages made up for the cases. */
const INSTALLED = `${[
  apk('musl', '1.2.5-r0', 'musl', 'MIT', ['lib/ld-musl-x86_64.so.1', 'lib/libc.musl-x86_64.so.1']),
  apk('busybox', '1.36.1-r29', 'busybox', 'GPL-2.0-only', ['bin/busybox']),
  apk('libcrypto3', '3.3.2-r0', 'openssl', 'Apache-2.0', ['lib/libcrypto.so.3']),
  apk('libssl3', '3.3.2-r0', 'openssl', 'Apache-2.0'),
  apk('ca-certificates-bundle', '20240705-r0', 'ca-certificates', 'MPL-2.0 AND MIT'),
  apk('musl-utils', '1.2.5-r0', 'musl', 'MIT AND BSD-2-Clause AND GPL-2.0-or-later'),
  apk('zlib', '1.3.1-r1', 'zlib', 'Zlib'),
  apk('scanelf', '1.3.7-r2', 'pax-utils', 'GPL-2.0-only'),
  apk('ssl_client', '1.36.1-r29', 'busybox', 'GPL-2.0-only'),
  apk('alpine-baselayout-data', '3.6.5-r0', 'alpine-baselayout', 'GPL-2.0-only'),
  apk('libfoo', '2.0_rc1-r0', 'foo', 'custom'),
  apk('libbar', '1.0_p2-r0', 'bar', undefined),
  apk('noorigin', '0.1-r0', undefined, 'ISC'),
].join('\n\n')}\n\n`;

const OS_RELEASE =
  'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\nHOME_URL="https://alpinelinux.org/"\n';
const IMAGE: SbomImage = { name: 'examples/alpine', digest: `sha256:${'ab'.repeat(32)}`, platform: 'linux/amd64' };
const TIMESTAMP = '2025-01-01T00:00:00Z';
const alpineFs = (installed = INSTALLED, release = OS_RELEASE) =>
  fsOf(file('etc/os-release', release), file(APK_INSTALLED, installed));

const error = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof PipelineError ? `${e.code}: ${e.message}` : `not a PipelineError: ${String(e)}`;
  }
  return undefined;
};

describe("apk's installed database", () => {
  it('lists each record with its origin (its own name without o:), license and first line, sorted by name', () => {
    const { packages, skipped } = parseApkInstalled(INSTALLED);
    expect(skipped).toEqual([]);
    expect(packages.map((p) => p.name)).toEqual([...packages.map((p) => p.name)].sort());
    expect(packages).toHaveLength(13);
    expect(packages.find((p) => p.name === 'libcrypto3')).toEqual({
      name: 'libcrypto3',
      version: '3.3.2-r0',
      architecture: 'x86_64',
      origin: 'openssl',
      license: 'Apache-2.0',
      line: 41,
    });
    expect(packages.find((p) => p.name === 'noorigin')).toMatchObject({ origin: 'noorigin', license: 'ISC' });
    expect(packages.find((p) => p.name === 'libbar')).not.toHaveProperty('license');
    expect(packages.find((p) => p.name === 'musl')?.line).toBe(1);
  });

  it('skips records without a usable P:, V: or A: (or with a bad o:), with the record number, line and reason', () => {
    const text = [
      record([
        ['P', 'good'],
        ['V', '1.0-r0'],
        ['A', 'aarch64'],
      ]),
      record([
        ['V', '1.0-r0'],
        ['A', 'x86_64'],
      ]),
      record([
        ['P', 'nover'],
        ['A', 'x86_64'],
      ]),
      record([
        ['P', 'badver'],
        ['V', '1.0-x1'],
        ['A', 'x86_64'],
      ]),
      record([
        ['P', 'noarch-field'],
        ['V', '1.0-r0'],
      ]),
      record([
        ['P', 'badorigin'],
        ['V', '1.0-r0'],
        ['A', 'x86_64'],
        ['o', 'two words'],
      ]),
    ].join('\n\n');
    const { packages, skipped } = parseApkInstalled(`${text}\n`);
    expect(packages.map((p) => p.name)).toEqual(['good']);
    expect(skipped).toEqual([
      { stanza: 2, line: 5, reason: 'no P: (package name) field' },
      { stanza: 3, line: 8, package: 'nover', reason: 'no V: (version) field' },
      { stanza: 4, line: 11, package: 'badver', reason: 'V:1.0-x1 is not an Alpine package version' },
      { stanza: 5, line: 15, package: 'noarch-field', reason: 'no A: (architecture) field' },
      { stanza: 6, line: 18, package: 'badorigin', reason: 'o:two words is not an Alpine package name' },
    ]);
  });

  it('reads CRLF line ends and extra blank lines, and treats the file list fields as repeatable', () => {
    const text =
      `\n\n${apk('a', '1-r0', 'a', 'MIT', ['usr/bin/a', 'usr/bin/b'])}\n\n\n${apk('b', '2-r0', 'b', 'MIT')}\n`.replaceAll(
        '\n',
        '\r\n',
      );
    expect(parseApkInstalled(text).packages.map((p) => [p.name, p.line])).toEqual([
      ['a', 3],
      ['b', 26],
    ]);
  });

  it.each([
    [
      'a line that is no field',
      `P:a\nV:1-r0\nA:x86_64\nthis is not a field\n`,
      /not an "X:value" field \(line 4: "this is not a field"\)/,
    ],
    ['a NUL byte', `P:a\nV:1-r0\nA:x86_64\n\nP:b\0\n`, /has a NUL byte \(line 5\)/],
    [
      'a field given twice',
      `P:a\nV:1-r0\nA:x86_64\n\nP:b\nV:1-r0\nV:2-r0\n`,
      /gives V: twice in the record starting at line 5 \(line 7\)/,
    ],
    [
      'a package installed twice',
      `P:a\nV:1-r0\nA:x86_64\n\nP:b\nV:1-r0\nA:x86_64\n\nP:a\nV:2-r0\nA:x86_64\n`,
      /lists a twice \(records starting at lines 1 and 9\)/,
    ],
    [
      'an overlong line',
      `P:a\nV:1-r0\nA:x86_64\nT:${'x'.repeat(70_000)}\n`,
      /a line longer than 65536 characters \(line 4\)/,
    ],
    [
      'too many records',
      Array.from({ length: 4 }, (_, i) => `P:p${i}\nV:1-r0\nA:x86_64`).join('\n\n'),
      /more than 3 records \(line 13\)/,
    ],
  ])('refuses %s with a located sbom-apk-db-invalid error', (_what, text, message) => {
    const got = error(() => parseApkInstalled(text, { maxRecords: 3 }));
    expect(got).toMatch(/^sbom-apk-db-invalid: lib\/apk\/db\/installed of the image /);
    expect(got).toMatch(message);
  });

  it('refuses a database over the size limit before reading it', () => {
    expect(error(() => apkPackages(alpineFs(), { maxBytes: 1000 }))).toMatch(
      /^sbom-apk-db-invalid: lib\/apk\/db\/installed of the image is \d+ bytes, over the limit of 1000/,
    );
    expect(apkPackages(fsOf(file('etc/os-release', OS_RELEASE)))).toBeUndefined();
  });
});

describe('the inventory of an Alpine image', () => {
  let inv: ImageInventory;
  beforeAll(() => {
    inv = imageInventory(IMAGE, alpineFs());
  });
  const pkg = (name: string) => inv.packages.find((p) => p.name === name);

  it("takes Alpine's major.minor as the distro (VERSION_ID 3.20.3 → alpine-3.20)", () => {
    expect(inv.distro).toBe('alpine-3.20');
    expect(inv.database).toBe('apk');
    expect(imageDistro(fsOf(file('etc/os-release', 'ID=alpine\nVERSION_ID=3.21.0_alpha20240807\n')))).toBe(
      'alpine-3.21',
    );
    expect(imageDistro(fsOf(file('etc/os-release', 'ID=debian\nVERSION_ID="12"\n')))).toBe('debian-12');
  });

  it('gives each package an apk purl, its origin as source (sourcePurl), and its L: license', () => {
    expect(pkg('libcrypto3')).toEqual({
      type: 'apk',
      name: 'libcrypto3',
      version: '3.3.2-r0',
      architecture: 'x86_64',
      source: { name: 'openssl', version: '3.3.2-r0' },
      purl: 'pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&distro=alpine-3.20',
      sourcePurl: 'pkg:apk/alpine/openssl@3.3.2-r0?distro=alpine-3.20',
      licenses: ['Apache-2.0'],
    });
    expect(pkg('ssl_client')?.source).toEqual({ name: 'busybox', version: '1.36.1-r29' });
    expect(pkg('alpine-baselayout-data')?.sourcePurl).toBe(
      'pkg:apk/alpine/alpine-baselayout@3.6.5-r0?distro=alpine-3.20',
    );
    expect(pkg('ca-certificates-bundle')?.licenses).toEqual(['MPL-2.0 AND MIT']);
    expect(pkg('libbar')).toMatchObject({
      licenses: undefined,
      licenseNote: 'no L: (license) field in lib/apk/db/installed',
    });
    expect(inv.packages.every((p) => p.type === 'apk' && p.purl.startsWith('pkg:apk/alpine/'))).toBe(true);
  });

  it('makes a valid CycloneDX 1.6 and SPDX 2.3 SBOM: apk purls, origin properties, licenses as id, expression or name', () => {
    const cdx = cycloneDxJson(inv, { timestamp: TIMESTAMP });
    const spdx = spdxJson(inv, { timestamp: TIMESTAMP });
    expect(cycloneDx16Validator()(cdx)).toBeNull();
    expect(spdx23Validator()(spdx)).toBeNull();
    expect(spdxReferenceErrors(spdx)).toEqual([]);

    type Component = {
      name: string;
      purl: string;
      licenses?: unknown[];
      properties: { name: string; value: string }[];
    };
    const bom = JSON.parse(cdx) as {
      metadata: { component: { properties: { name: string; value: string }[] } };
      components: Component[];
    };
    expect(bom.metadata.component.properties).toContainEqual({ name: 'patch-factory:distro', value: 'alpine-3.20' });
    const c = (name: string) => bom.components.find((x) => x.name === name) as Component;
    expect(bom.components).toHaveLength(13);
    expect(c('libssl3').purl).toBe('pkg:apk/alpine/libssl3@3.3.2-r0?arch=x86_64&distro=alpine-3.20');
    expect(c('libssl3').properties).toEqual([
      { name: 'patch-factory:apk:origin', value: 'openssl' },
      { name: 'patch-factory:apk:origin-purl', value: 'pkg:apk/alpine/openssl@3.3.2-r0?distro=alpine-3.20' },
    ]);
    expect(c('libssl3').licenses).toEqual([{ license: { id: 'Apache-2.0' } }]);
    expect(c('musl-utils').licenses).toEqual([{ expression: 'MIT AND BSD-2-Clause AND GPL-2.0-or-later' }]);
    expect(c('libfoo').licenses).toEqual([{ license: { name: 'custom' } }]);
    expect(c('libbar').licenses).toBeUndefined();
    expect(c('libbar').properties).toContainEqual({
      name: 'patch-factory:apk:license-note',
      value: 'no L: (license) field in lib/apk/db/installed',
    });

    type SpdxPackage = {
      name: string;
      SPDXID: string;
      licenseDeclared: string;
      sourceInfo?: string;
      externalRefs: { referenceLocator: string }[];
    };
    const doc = JSON.parse(spdx) as {
      packages: SpdxPackage[];
      hasExtractedLicensingInfos?: { licenseId: string; extractedText: string }[];
    };
    const s = (name: string) => doc.packages.find((p) => p.name === name) as SpdxPackage;
    expect(s('libssl3')).toMatchObject({
      SPDXID: 'SPDXRef-Package-apk-libssl3-x86-64',
      licenseDeclared: 'Apache-2.0',
      sourceInfo: 'built from the Alpine origin package openssl 3.3.2-r0',
    });
    expect(s('libssl3').externalRefs[0]?.referenceLocator).toBe(
      'pkg:apk/alpine/libssl3@3.3.2-r0?arch=x86_64&distro=alpine-3.20',
    );
    expect(s('ca-certificates-bundle').licenseDeclared).toBe('MPL-2.0 AND MIT');
    expect(s('libfoo').licenseDeclared).toBe('LicenseRef-custom');
    expect(s('libbar').licenseDeclared).toBe('NOASSERTION');
    expect(doc.hasExtractedLicensingInfos).toEqual([
      {
        licenseId: 'LicenseRef-custom',
        name: 'custom',
        extractedText: `The license named "custom" in the L: field of apk's installed database.`,
      },
    ]);
  });

  it('gives the same bytes for the same database read again', () => {
    const again = imageInventory(IMAGE, alpineFs());
    expect(cycloneDxJson(again, { timestamp: TIMESTAMP })).toBe(cycloneDxJson(inv, { timestamp: TIMESTAMP }));
    expect(spdxJson(again, { timestamp: TIMESTAMP })).toBe(spdxJson(inv, { timestamp: TIMESTAMP }));
  });
});

describe('an image with both or neither package database', () => {
  const dpkgStatus = 'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u4\n';
  const both = (status: string, installed: string, release = OS_RELEASE) =>
    fsOf(file('etc/os-release', release), file('var/lib/dpkg/status', status), file(APK_INSTALLED, installed));

  it('refuses two databases that both list packages, naming both', () => {
    expect(error(() => imageInventory(IMAGE, both(dpkgStatus, INSTALLED)))).toBe(
      'sbom-database-conflict: the image has two package databases that both list installed packages: var/lib/dpkg/status (1) and lib/apk/db/installed (13); an image is scanned from one, remove the one that does not describe it',
    );
  });

  it('takes the one that lists packages when the other is empty', () => {
    expect(imagePackages(both('', INSTALLED)).database).toBe('apk');
    expect(imagePackages(both(dpkgStatus, '', 'ID=debian\nVERSION_ID=12\n'))).toMatchObject({
      database: 'dpkg',
      packages: [{ name: 'libc6' }],
    });
  });

  it('has no database and no package with neither file', () => {
    const inv = imageInventory(IMAGE, fsOf(file('etc/os-release', OS_RELEASE)));
    expect(inv).toMatchObject({ database: undefined, packages: [], skipped: [], distro: 'alpine-3.20' });
  });
});

/** An OSV record as Alpine's security database publishes it (osv.dev's ALPINE-* form). */
const alpineOsv = (id: string, origin: string, events: Record<string, string>[], release = 'v3.20') => ({
  schema_version: '1.6.0',
  id: `ALPINE-${id}`,
  upstream: [id],
  aliases: [id],
  modified: '2024-09-10T12:00:00Z',
  published: '2024-09-03T12:00:00Z',
  affected: [
    {
      package: { ecosystem: `Alpine:${release}`, name: origin, purl: `pkg:apk/alpine/${origin}?arch=source` },
      ranges: [{ type: 'ECOSYSTEM', events }],
    },
  ],
});

describe('scanning an Alpine inventory: advisories keyed by origin, apk version order', () => {
  const scanOf = (installed: string, advisories: unknown[]) => {
    const db = new VulnDb();
    loadOsvJson(db, advisories, 'test-osv');
    expect(db.problems).toEqual([]);
    const inv = imageInventory(IMAGE, alpineFs(installed));
    return scan(db, inventoryScanPackages(inv), inv.distro as string);
  };
  const at = (name: string, version: string, origin: string) => `${apk(name, version, origin, 'MIT')}\n`;

  it("finds the origin's advisory on each of its binary packages, not on others", () => {
    const findings = scanOf(INSTALLED, [
      alpineOsv('CVE-2024-6119', 'openssl', [{ introduced: '0' }, { fixed: '3.3.2-r1' }]),
      alpineOsv('CVE-2099-0001', 'libcrypto3', [{ introduced: '0' }, { fixed: '9-r0' }]),
    ]);
    expect(findings.map((f) => [f.id, f.package, f.installed, f.sourcePackage, f.fixedVersion])).toEqual([
      ['CVE-2024-6119', 'libcrypto3', '3.3.2-r0', 'openssl', '3.3.2-r1'],
      ['CVE-2024-6119', 'libssl3', '3.3.2-r0', 'openssl', '3.3.2-r1'],
    ]);
    expect(findings[0]).toMatchObject({
      arch: 'x86_64',
      aliases: ['ALPINE-CVE-2024-6119'],
      fixable: true,
      source: 'osv',
    });
    // The command line's input (no image description) is the same.
    const inv = imageInventory(IMAGE, alpineFs());
    expect(imageScanPackages(alpineFs())).toEqual({
      distro: 'alpine-3.20',
      database: 'apk',
      packages: inventoryScanPackages(inv),
      skipped: [],
    });
  });

  it('is not affected at the fixed version, nor by an advisory of another Alpine release', () => {
    expect(
      scanOf(INSTALLED, [alpineOsv('CVE-2024-5535', 'openssl', [{ introduced: '0' }, { fixed: '3.3.2-r0' }])]),
    ).toEqual([]);
    expect(
      scanOf(INSTALLED, [alpineOsv('CVE-2024-6119', 'openssl', [{ introduced: '0' }, { fixed: '3.3.2-r1' }], 'v3.19')]),
    ).toEqual([]);
  });

  it.each([
    ['-r revision: 1.2.3-r1 < 1.2.3-r2', '1.2.3-r1', '1.2.3-r2', true],
    ['-r revision: 1.2.3-r2 is the fix', '1.2.3-r2', '1.2.3-r2', false],
    ['-r revision: 1.2.3-r10 > 1.2.3-r9 (numeric, not text)', '1.2.3-r10', '1.2.3-r9', false],
    ['_rc: 1.2.3_rc1-r0 < 1.2.3-r0', '1.2.3_rc1-r0', '1.2.3-r0', true],
    ['_rc: 1.2.3_rc2-r0 > 1.2.3_rc1-r5', '1.2.3_rc2-r0', '1.2.3_rc1-r5', false],
    ['_p: 1.2.3_p1-r0 > 1.2.3-r5', '1.2.3_p1-r0', '1.2.3-r5', false],
    ['_p: 1.2.3_p1-r0 < 1.2.3_p2-r0', '1.2.3_p1-r0', '1.2.3_p2-r0', true],
  ])('%s', (_what, installed, fixed, affected) => {
    const findings = scanOf(at('libfoo1', installed, 'foo'), [
      alpineOsv('CVE-2099-1234', 'foo', [{ introduced: '0' }, { fixed }]),
    ]);
    expect(findings.map((f) => `${f.package} ${f.installed} < ${f.fixedVersion ?? ''}`)).toEqual(
      affected ? [`libfoo1 ${installed} < ${fixed}`] : [],
    );
  });

  it("the corpus's real OpenVEX statement for Alpine coreutils 9.7-r1 (dhi/node) suppresses the finding on an Alpine 3.22 image", () => {
    const path = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-advisories', 'vex', 'node', 'dhi-node.vex.json');
    const vex = parseOpenVexText(readFileSync(path, 'utf8'), 'dhi-node.vex.json');
    const db = new VulnDb();
    loadOsvJson(db, [alpineOsv('CVE-2016-2781', 'coreutils', [{ introduced: '0' }], 'v3.22')], 'test-osv');
    const inv = imageInventory(
      { ...IMAGE, name: 'dhi/node' },
      alpineFs(`${apk('coreutils', '9.7-r1', 'coreutils', 'GPL-3.0-or-later')}\n`, 'ID=alpine\nVERSION_ID=3.22.1\n'),
    );
    expect(inv.packages[0]?.purl).toBe('pkg:apk/alpine/coreutils@9.7-r1?arch=x86_64&distro=alpine-3.22');
    const findings = scan(db, inventoryScanPackages(inv), inv.distro as string);
    expect(findings.map((f) => [f.id, f.package, f.fixable])).toEqual([['CVE-2016-2781', 'coreutils', false]]);
    const vexed = applyVex(findings, [vex], { name: 'dhi/node' });
    expect(vexed.findings).toEqual([]);
    expect(vexed.suppressed.map((s) => [s.finding.id, s.vex.status, s.vex.justification])).toEqual([
      ['CVE-2016-2781', 'not_affected', 'vulnerable_code_not_present'],
    ]);
    // Another version of coreutils is not what the statement names.
    const other = imageInventory(
      { ...IMAGE, name: 'dhi/node' },
      alpineFs(`${apk('coreutils', '9.7-r2', 'coreutils', 'GPL-3.0-or-later')}\n`, 'ID=alpine\nVERSION_ID=3.22.1\n'),
    );
    expect(
      applyVex(scan(db, inventoryScanPackages(other), 'alpine-3.22'), [vex], { name: 'dhi/node' }).findings,
    ).toHaveLength(1);
  });
});
