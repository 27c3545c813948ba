import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TarEntry } from '@patch-factory/oci';
import { PipelineError } from '@patch-factory/contracts';
import { cycloneDxJson } from './cyclonedx';
import { imageInventory, type SbomImage } from './image-inventory';
import { spdxJson } from './spdx';
import { cycloneDxProblems, describeSbomProblem, sbomValidators, spdxProblems } from './sbom-validation';
import { SPDX_23_SCHEMA } from './sbom-schemas.fixture';
import { spdxSchemaPath } from './spdx-schema-path';

/** The run-time validation behind the scan stage's `sbom-invalid` gate (issue 15). */

const file = (path: string, text: string): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  data: Buffer.from(text),
});
const STATUS = [
  'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\nSource: openssl',
  'Package: zz\nStatus: install ok installed\nArchitecture: all\nVersion: 1:1.0+x',
].join('\n\n');
const DEP5 =
  'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: Apache-2.0\n\nFiles: debian/*\nLicense: GPL-2+ or Artistic\n';
const image: SbomImage = { name: 'examples/x', digest: `sha256:${'b'.repeat(64)}`, platform: 'linux/amd64' };
const inv = () =>
  imageInventory(
    image,
    new Map(
      [
        file('etc/os-release', 'ID=debian\nVERSION_ID="12"\n'),
        file('var/lib/dpkg/status', STATUS),
        file('usr/share/doc/libssl3/copyright', DEP5),
      ].map((e) => [e.path, e]),
    ),
  );
const TIMESTAMP = '2024-01-02T03:04:05Z';

const edited = (json: string, change: (doc: Record<string, unknown>) => void): string => {
  const doc = JSON.parse(json) as Record<string, unknown>;
  change(doc);
  return JSON.stringify(doc);
};
const pkg = (d: Record<string, unknown>, i: number) =>
  (d['packages'] as Record<string, unknown>[])[i] as Record<string, unknown>;
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof PipelineError ? `${e.code}: ${e.message}` : `not a PipelineError: ${String(e)}`;
  }
  return undefined;
};

describe('SBOM validation at run time', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pf-sbom-validation-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('finds the official SPDX 2.3 schema beside the repository unless PF_SPDX_SCHEMA_PATH names one', () => {
    expect(spdxSchemaPath(undefined)).toBe(SPDX_23_SCHEMA);
    expect(spdxSchemaPath('/etc/pf/spdx-schema.json')).toBe('/etc/pf/spdx-schema.json');
    expect(codeOf(() => spdxSchemaPath(undefined, '/'))).toMatch(
      /^sbom-schema-missing: no official SPDX 2\.3 JSON schema: PF_SPDX_SCHEMA_PATH is not set/,
    );
  });

  it('passes the SBOMs the generators make, CycloneDX by the library-built model', () => {
    const v = sbomValidators(SPDX_23_SCHEMA);
    expect(v.cyclonedx(cycloneDxJson(inv(), { timestamp: TIMESTAMP }))).toEqual([]);
    expect(v.spdx(spdxJson(inv(), { timestamp: TIMESTAMP }))).toEqual([]);
  });

  it('names the document, the path in it and the rule of each problem', () => {
    const cdx = cycloneDxJson(inv(), { timestamp: TIMESTAMP });
    const badLicense = cycloneDxProblems(
      edited(
        cdx,
        (d) => ((d['components'] as Record<string, unknown>[])[0]!['licenses'] = [{ license: { id: 'GPL-2+' } }]),
      ),
    );
    expect(badLicense.length).toBeGreaterThan(0);
    // The SPDX id is none of the license list's, so the entry matches none of the oneOf choices.
    expect(badLicense.map((p) => [p.document, p.path])).toEqual([
      ['cyclonedx', '/components/0/licenses/0/license/id'],
      ['cyclonedx', '/components/0/licenses/0'],
      ['cyclonedx', '/components/0/licenses'],
    ]);
    expect(describeSbomProblem(badLicense[0]!)).toMatch(
      /^CycloneDX 1\.6 at \/components\/0\/licenses\/0\/license\/id: must be equal to one of the allowed values \(allowedValues: one of \d+ values\) \[enum at spdx\.SNAPSHOT\.schema\.json\/enum\]$/,
    );
    expect(cycloneDxProblems(edited(cdx, (d) => (d['extra'] = 1)))).toEqual([
      {
        document: 'cyclonedx',
        path: '/',
        rule: 'must NOT have additional properties (additionalProperty: "extra") [additionalProperties at #/additionalProperties]',
      },
    ]);
    expect(cycloneDxProblems('{"bomFormat": ')[0]).toMatchObject({
      document: 'cyclonedx',
      path: '/',
      rule: expect.stringMatching(/^not JSON: /) as unknown,
    });

    const spdx = spdxJson(inv(), { timestamp: TIMESTAMP });
    expect(
      spdxProblems(
        edited(spdx, (d) => delete pkg(d, 1)['SPDXID']),
        SPDX_23_SCHEMA,
      ),
    ).toEqual([
      {
        document: 'spdx',
        path: '/packages/1',
        rule: 'must have required property \'SPDXID\' (missingProperty: "SPDXID") [required at #/properties/packages/items/required]',
      },
    ]);
    // What the schema leaves to the spec text is checked too, located.
    expect(
      spdxProblems(
        edited(spdx, (d) => delete d['hasExtractedLicensingInfos']),
        SPDX_23_SCHEMA,
      ),
    ).toEqual([
      {
        document: 'spdx',
        path: '/packages/1/licenseDeclared',
        rule: 'SPDXRef-Package-deb-libssl3-amd64: LicenseRef-Artistic is not in hasExtractedLicensingInfos',
      },
    ]);
    expect(
      describeSbomProblem({ document: 'spdx', path: '/SPDXID', rule: 'document SPDXID x is not SPDXRef-DOCUMENT' }),
    ).toBe('SPDX 2.3 at /SPDXID: document SPDXID x is not SPDXRef-DOCUMENT');
  });

  it('fails loudly with sbom-schema-missing when the SPDX schema is missing or not the official one, by its label', () => {
    expect(codeOf(() => sbomValidators(join(work, 'absent.json'), 'PF_SPDX_SCHEMA_PATH'))).toBe(
      'sbom-schema-missing: the official SPDX 2.3 JSON schema PF_SPDX_SCHEMA_PATH cannot be read (ENOENT); set PF_SPDX_SCHEMA_PATH to spdx-schema.json of spdx/spdx-spec v2.3',
    );
    writeFileSync(join(work, 'other.json'), '{"$id": "https://example.org/other", "type": "object"}');
    expect(codeOf(() => sbomValidators(join(work, 'other.json')))).toMatch(
      /^sbom-schema-missing: \/.*other\.json is not the official SPDX 2\.3 JSON schema/,
    );
    writeFileSync(join(work, 'broken.json'), '{"$id": ');
    expect(codeOf(() => sbomValidators(join(work, 'broken.json'), 'the schema'))).toMatch(
      /^sbom-schema-missing: the official SPDX 2\.3 JSON schema the schema cannot be read \(not JSON: /,
    );
  });

  it('compiles the SPDX schema once per process: a copy read once keeps validating after it is gone', () => {
    const copy = join(work, 'spdx-schema.json');
    copyFileSync(SPDX_23_SCHEMA, copy);
    const first = sbomValidators(copy);
    rmSync(copy);
    const again = sbomValidators(copy);
    const spdx = spdxJson(inv(), { timestamp: TIMESTAMP });
    expect(first.spdx(spdx)).toEqual([]);
    expect(again.spdx(edited(spdx, (d) => (d['spdxVersion'] = 'SPDX-2.2')))).toEqual([
      { document: 'spdx', path: '/spdxVersion', rule: 'spdxVersion SPDX-2.2 is not SPDX-2.3' },
    ]);
  });
});
