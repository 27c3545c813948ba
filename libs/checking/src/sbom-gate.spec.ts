import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeImageLayout } from '@patch-factory/builder';
import type { TarEntry } from '@patch-factory/oci';
import { PipelineError, TerminalError } from '@patch-factory/contracts';
import { SbomErrorCode, sbomValidators, spdxSchemaPath, type SbomValidators } from '@patch-factory/sbom';
import { VulnDb } from '@patch-factory/vuln';
import { DEFAULT_GATES } from './gates.schema';
import { evaluateScan } from './gates';
import { evaluateSbomSchemas, sbomInvalidError } from './sbom-gate';
import { scanPlatform, type PlatformScanInput } from './scan-platform';

/** The scan stage's `sbom-invalid` gate: both SBOMs of each platform checked against their official schemas (issue 15). */

const file = (path: string, text: string): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  data: Buffer.from(text),
});
const dir = (path: string): TarEntry => ({
  path,
  type: 'dir',
  mode: 0o755,
  uid: 0,
  gid: 0,
  mtime: 0,
  data: Buffer.alloc(0),
});
const STATUS = [
  'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\nSource: openssl',
  'Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2024a-0+deb12u1',
].join('\n\n');
const DEP5 =
  'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: Apache-2.0\n';

/** Validators that see a document changed by `edit` (what a broken generator would make): the gate's own validation, injected. */
function seeing(
  real: SbomValidators,
  edit: { cyclonedx?: (doc: Record<string, unknown>) => void; spdx?: (doc: Record<string, unknown>) => void },
): SbomValidators {
  const edited = (json: string, change?: (doc: Record<string, unknown>) => void) => {
    if (!change) return json;
    const doc = JSON.parse(json) as Record<string, unknown>;
    change(doc);
    return JSON.stringify(doc);
  };
  return {
    cyclonedx: (json) => real.cyclonedx(edited(json, edit.cyclonedx)),
    spdx: (json) => real.spdx(edited(json, edit.spdx)),
  };
}

describe('the sbom-invalid gate', () => {
  let work: string;
  let input: Omit<PlatformScanInput, 'validators' | 'sbomDir'>;
  let real: SbomValidators;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pf-sbom-gate-'));
    const layout = join(work, 'layout');
    const layer = [
      dir('etc'),
      file('etc/os-release', 'ID=debian\nVERSION_ID="12"\n'),
      dir('var'),
      dir('var/lib'),
      dir('var/lib/dpkg'),
      file('var/lib/dpkg/status', STATUS),
      dir('usr'),
      dir('usr/share'),
      dir('usr/share/doc'),
      dir('usr/share/doc/libssl3'),
      file('usr/share/doc/libssl3/copyright', DEP5),
    ];
    const digest = await writeImageLayout(layout, {
      platforms: [{ os: 'linux', architecture: 'amd64', layers: [layer], config: {} }],
      sourceDateEpoch: 1_700_000_000,
    });
    input = { layout, platform: 'linux/amd64', name: 'examples/gate', digest, db: new VulnDb(), vex: [] };
    real = sbomValidators(spdxSchemaPath(undefined));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('passes the SBOMs of a Debian image: valid CycloneDX 1.6 and SPDX 2.3', async () => {
    const sbomDir = mkdtempSync(join(work, 'ok-'));
    const scanned = await scanPlatform({ ...input, sbomDir, validators: real });
    expect(scanned.platform.sbomProblem).toBeUndefined();
    expect(scanned.platform.sbom).toBeDefined();
    expect(scanned.platform.sbomInvalid).toBeUndefined();
    expect(evaluateSbomSchemas({ platforms: [scanned.platform] })).toEqual({ passed: true, reasons: [] });
  });

  it('fails a platform whose SBOMs break their schemas, naming the document, the path and the rule; the files stay to be read', async () => {
    const sbomDir = mkdtempSync(join(work, 'bad-'));
    const validators = seeing(real, {
      cyclonedx: (d) =>
        ((d['components'] as Record<string, unknown>[])[0]!['licenses'] = [{ license: { id: 'Apache-2' } }]),
      spdx: (d) => delete (d['packages'] as Record<string, unknown>[])[1]!['SPDXID'],
    });
    const scanned = await scanPlatform({ ...input, sbomDir, validators });
    expect(scanned.platform.sbom).toBeDefined();
    expect(existsSync(scanned.platform.sbom?.cyclonedx as string)).toBe(true);
    expect(scanned.platform.sbomInvalid?.[0]).toMatch(
      /^CycloneDX 1\.6 at \/components\/0\/licenses\/0\/license\/id: must be equal to one of the allowed values/,
    );
    expect(scanned.platform.sbomInvalid?.at(-1)).toBe(
      'SPDX 2.3 at /packages/1: must have required property \'SPDXID\' (missingProperty: "SPDXID") [required at #/properties/packages/items/required]',
    );

    const verdict = evaluateSbomSchemas({ platforms: [scanned.platform] });
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons.every((r) => r.startsWith('linux/amd64: '))).toBe(true);
    // Whatever sbom.required says: an SBOM made must be a valid one.
    expect(
      evaluateScan({ platforms: [scanned.platform], findings: [] }, { ...DEFAULT_GATES, sbom: { required: false } })
        .passed,
    ).toBe(false);

    const error = sbomInvalidError(
      { definition: 'image/gate/debian-12/1.yaml', digest: input.digest, report: 'scan-report.json' },
      verdict,
    );
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.code).toBe('sbom-invalid');
    // The pull request shows the first 600 characters of the reason: the first problem is in them.
    expect(error.message.slice(0, 600)).toContain(
      `image/gate/debian-12/1.yaml (image ${input.digest}): ${verdict.reasons.length} SBOM problems against the official schemas: linux/amd64: CycloneDX 1.6 at /components/0/licenses/0/license/id: must be equal to one of the allowed values`,
    );
    expect(error.message).toMatch(/ \(report scan-report\.json of the run\)$/);
  });

  it('lets a validator that cannot run fail the scan, never pass it or count as a missing SBOM', async () => {
    const sbomDir = mkdtempSync(join(work, 'throws-'));
    const broken: SbomValidators = {
      cyclonedx: real.cyclonedx,
      spdx: () => {
        throw new TerminalError(SbomErrorCode.schemaMissing, 'the official SPDX 2.3 JSON schema cannot be read');
      },
    };
    const failure = await scanPlatform({ ...input, sbomDir, validators: broken }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PipelineError);
    expect((failure as PipelineError).code).toBe('sbom-schema-missing');
  });
});
