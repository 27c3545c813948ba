// The busybox example of examples/catalog, written the way the real catalog writes definitions
// (a plain-http APT repository, `image:` with a registry host and port, a `builds[]` step), through
// the whole pipeline on real parts: build → test → scan → sign → publish → review → promote. The
// run's image builds again to the same digest from scratch, its SBOMs pass both official schemas,
// its OpenVEX applied by the project's reader reproduces the scan report, its provenance lists every
// .deb that went in, and it verifies in the release repository with the public key alone (issue 15).
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ScanReport } from '@patch-factory/checking';
import { RegistryClient, readImageRootFs } from '@patch-factory/oci';
import { RunLauncher } from '@patch-factory/pipeline';
import { readSignedArtifacts } from '@patch-factory/publishing';
import {
  BUILD_ROOT_DEPENDENCY,
  PredicateType,
  loadPublicKey,
  verifyImage,
  type SlsaProvenance,
} from '@patch-factory/signing';
import {
  BackboneFixture,
  createCatalogOrigin,
  cycloneDx16Validator,
  exampleText,
  openVexValidator,
  repoRoot,
  spdx23Validator,
  startRegistry,
  startStaticMirror,
  type CatalogOrigin,
  type RegistryInstance,
  type StagePipeline,
  type StaticMirror,
} from '../src';
import { applyVex, parseOpenVex, type Finding, type VexVerdict, type VexedFinding } from '@patch-factory/vuln';
import { createSignerKey, signedStatements, startFullPipeline, type SignerKey } from '../src/full-pipeline.fixture';

const DEFINITION = 'image/busybox/debian-12/1.35-dev.yaml';
const INFO = 'image/busybox/info.yaml';
/** Made-up advisories for the busybox package: one without a fix (affected), one the catalog's VEX says does not apply. */
const UNFIXED = 'CVE-2099-0101';
const NOT_PRESENT = 'CVE-2099-0102';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** OSV records of Debian 12's busybox: `UNFIXED` with no fixed version, `NOT_PRESENT` fixed only in a later version. */
function writeAdvisories(dir: string, installed: string): void {
  const record = (id: string, events: Record<string, string>[]) => ({
    id,
    modified: '2026-11-01T00:00:00Z',
    summary: `a made-up flaw of busybox (${id})`,
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N' }],
    affected: [{ package: { ecosystem: 'Debian:12', name: 'busybox' }, ranges: [{ type: 'ECOSYSTEM', events }] }],
  });
  writeFileSync(join(dir, 'osv-busybox-unfixed.json'), JSON.stringify(record(UNFIXED, [{ introduced: '0' }])));
  writeFileSync(
    join(dir, 'osv-busybox-fixed.json'),
    JSON.stringify(record(NOT_PRESENT, [{ introduced: '0' }, { fixed: `${installed}+pf1` }])),
  );
}

/** The verdicts of a report, and of the report's raw findings with the emitted VEX applied by the project's reader. */
function vexVerdicts(report: ScanReport, vexDoc: unknown): { report: string[]; applied: string[] } {
  const raw = [
    ...report.findings.map(({ vex: _vex, platform: _p, ...f }) => f),
    ...report.suppressed.map((s) => {
      const { platform: _p, ...f } = s.finding;
      return f;
    }),
  ];
  const verdicts = (o: { findings: VexedFinding[]; suppressed: { finding: Finding; vex: VexVerdict }[] }) =>
    [
      ...o.findings.map(
        (f) => `${f.id} ${f.package} ${f.arch} ${f.vex?.status ?? 'affected'} ${f.vex?.justification ?? '-'}`,
      ),
      ...o.suppressed.map(
        (s) => `${s.finding.id} ${s.finding.package} ${s.finding.arch} ${s.vex.status} ${s.vex.justification ?? '-'}`,
      ),
    ].sort();
  const distro = report.platforms[0]?.distro;
  const applied = applyVex(raw, [parseOpenVex(vexDoc, 'vex.json')], {
    name: 'localhost:5000/examples/busybox',
    digest: report.digest,
    ...(distro ? { distro } : {}),
  });
  return { report: verdicts({ findings: report.findings, suppressed: report.suppressed }), applied: verdicts(applied) };
}

describe('the busybox example (http repository, host:port image name, builds[]) through the whole pipeline', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let mirror: StaticMirror;
  let registry: RegistryInstance;
  let origin: CatalogOrigin;
  let pipeline: StagePipeline;
  let signer: SignerKey | undefined;
  const text = exampleText(DEFINITION);

  beforeAll(async () => {
    // The example as it is: nothing of it rewritten for the test.
    expect(text).toMatch(/\n\s+- deb \[signed-by=\S+\] http:\/\/\S+ bookworm main\n/);
    expect(text).toContain('\nimage: localhost:5000/examples/busybox\n');
    expect(text).toContain('\n  builds:\n');
    mirror = await startStaticMirror(['amd64']);
    registry = await startRegistry();
    const vex = [
      "'@context': https://openvex.dev/ns/v0.2.0",
      "'@id': https://example.invalid/vex/busybox-1",
      'author: the catalog',
      'timestamp: 2026-11-02T00:00:00Z',
      'statements:',
      `  - vulnerability: { name: ${NOT_PRESENT} }`,
      "    products: [{ '@id': pkg:deb/debian/busybox }]",
      '    status: not_affected',
      '    justification: vulnerable_code_not_present',
      '    impact_statement: the flawed applet is not built into Debian’s busybox',
      '',
    ].join('\n');
    origin = createCatalogOrigin({
      [DEFINITION]: text,
      [INFO]: exampleText(INFO),
      '.patch-factory/vex/image/busybox/debian-12/1.35-dev.vex.yaml': vex,
    });
    signer = createSignerKey();
    pipeline = await startFullPipeline(fx, {
      service: 'test-example-busybox',
      origin,
      signer,
      env: { ...mirror.env, PF_REGISTRY_URL: registry.url },
    });
    const mirrored = await (
      await fetch(`${mirror.fixture.baseUrl}/dists/${mirror.fixture.suite}/main/binary-amd64/Packages`)
    ).text();
    const busybox = /\nVersion: (\S+)/.exec(
      mirrored.split('\n\n').find((s) => s.startsWith('Package: busybox\n')) ?? '',
    )?.[1];
    if (!busybox) throw new Error('the mirror has no busybox for amd64');
    writeAdvisories(pipeline.advisoryDir, busybox);
  }, 600_000);

  afterAll(async () => {
    await pipeline?.close();
    await fx.close();
    await registry?.stop();
    await mirror?.close();
    origin?.cleanup();
    if (signer) rmSync(signer.dir, { recursive: true, force: true });
  }, 60_000);

  it('builds reproducibly, and publishes an image whose SBOMs, VEX and provenance are true and which verifies with the public key', async () => {
    const { runId } = await pipeline.app
      .get(RunLauncher)
      .launch(DEFINITION, { kind: 'manual' }, { from: 'build', to: 'promote' });
    const [run] = await fx.waitForRuns([runId], 540_000);
    expect({ state: run?.state, error: run?.error }).toEqual({ state: 'succeeded', error: undefined });
    const art = (stage: string, key: string) => run?.stages.find((s) => s.stage === stage)?.artifacts[key];
    const runDir = join(pipeline.outRoot, runId);
    const digest = art('build', 'build.digest') as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The builds[] step's output is in the image: the applets, links to busybox, owned by root.
    const rootFs = await readImageRootFs(join(runDir, art('build', 'build.layout') ?? 'image'), {
      platform: 'linux/amd64',
    });
    const busybox = rootFs.get('usr/local/bin/sh')?.linkTarget ?? 'no link';
    expect(rootFs.get('usr/bin/busybox')?.type ?? rootFs.get('bin/busybox')?.type).toBe('file');
    expect(rootFs.get(busybox.replace(/^\//, ''))?.type).toBe('file');
    for (const applet of ['sh', 'ls', 'wget']) {
      expect(rootFs.get(`usr/local/bin/${applet}`)).toMatchObject({
        type: 'symlink',
        linkTarget: busybox,
        uid: 0,
        gid: 0,
      });
    }
    // Asynchronous: the mirror answers from this process.
    const cli = async (args: string[], env: NodeJS.ProcessEnv) =>
      (
        await promisify(execFile)(
          process.execPath,
          [join(repoRoot(), 'tools/node/run.cjs'), 'dist/tools/cli/src/main.js', ...args],
          { cwd: repoRoot(), encoding: 'utf8', env },
        )
      ).stdout;

    // Reproducible: the command line builds the example file again from scratch (its own empty
    // package cache, nothing reused) to the digest the run built.
    const again = join(pipeline.work, 'again');
    const rebuilt = await cli(['build', join(repoRoot(), 'examples', 'catalog', DEFINITION), '--out', again], {
      ...process.env,
      ...mirror.env,
      PF_BUILD_CACHE_DIR: join(pipeline.work, 'again-cache'),
    });
    expect(rebuilt.trim().split('\n').pop()).toBe(digest);

    // The tests ran (policy checks on linux/amd64), the scan found the two advisories.
    expect(Number(art('test', 'test.passed'))).toBeGreaterThan(0);
    expect(art('test', 'test.failed')).toBe('0');
    const report = readJson<ScanReport>(join(runDir, 'scan-report.json'));
    expect(report.findings.map((f) => [f.id, f.package])).toEqual([[UNFIXED, 'busybox']]);
    expect(report.suppressed.map((s) => [s.finding.id, s.vex.status, s.vex.justification])).toEqual([
      [NOT_PRESENT, 'not_affected', 'vulnerable_code_not_present'],
    ]);

    // Both SBOMs of the platform are valid by the official schemas (CycloneDX 1.6, SPDX 2.3).
    const sboms = (key: string) => (art('scan', key) ?? '').split(',').filter(Boolean);
    expect(sboms('scan.sbom.cyclonedx')).toEqual(['sbom/linux-amd64.cdx.json']);
    expect(sboms('scan.sbom.spdx')).toEqual(['sbom/linux-amd64.spdx.json']);
    // Checked here by the official schemas themselves (libs/testing), not by the scan stage's own gate.
    expect(cycloneDx16Validator()(readFileSync(join(runDir, 'sbom/linux-amd64.cdx.json'), 'utf8'))).toBeNull();
    expect(spdx23Validator()(readFileSync(join(runDir, 'sbom/linux-amd64.spdx.json'), 'utf8'))).toBeNull();
    const cdx = readJson<{ components?: { name: string }[] }>(join(runDir, 'sbom/linux-amd64.cdx.json'));
    expect((cdx.components ?? []).map((c) => c.name)).toEqual(
      expect.arrayContaining(['busybox', 'base-files', 'libc6']),
    );

    // The VEX: valid OpenVEX, both statements, and applied to the raw findings it gives the report again.
    const vexDoc = readJson<{
      statements: {
        vulnerability: { name: string };
        status: string;
        justification?: string;
        impact_statement?: string;
      }[];
    }>(join(runDir, art('scan', 'scan.vex') ?? 'no-vex'));
    expect(openVexValidator()(vexDoc)).toEqual([]);
    expect(vexDoc.statements.map((s) => [s.vulnerability.name, s.status]).sort()).toEqual(
      [
        [UNFIXED, 'affected'],
        [NOT_PRESENT, 'not_affected'],
      ].sort(),
    );
    expect(vexDoc.statements.find((s) => s.status === 'not_affected')?.impact_statement).toContain('not built into');
    const { report: fromReport, applied } = vexVerdicts(report, vexDoc);
    expect(applied).toEqual(fromReport);

    // The signed provenance lists every .deb that went in (image and build root), each with its digest.
    const statements = signedStatements(await readSignedArtifacts(join(runDir, 'signing', 'signed.json')));
    const provenance = statements.find((s) => s.predicateType === PredicateType.slsaProvenance)?.predicate as
      SlsaProvenance | undefined;
    const deps = provenance?.buildDefinition.resolvedDependencies ?? [];
    const cache = join(pipeline.work, 'cache', 'packages', 'sha256');
    const fetched = readdirSync(cache).filter((n) => !n.startsWith('.'));
    expect(fetched.length).toBeGreaterThan(4);
    for (const hex of fetched) {
      expect(
        createHash('sha256')
          .update(readFileSync(join(cache, hex)))
          .digest('hex'),
      ).toBe(hex);
      // Once per role: a package both in the image and in the build root is listed as each.
      const listed = deps.filter((d) => d.digest?.['sha256'] === hex);
      const roles = listed
        .map((d) => (d.annotations?.['dependencyType'] === BUILD_ROOT_DEPENDENCY ? 'build-root' : 'image'))
        .sort();
      expect({ hex, notDebs: listed.filter((d) => !/^http:\/\/.*\.deb$/.test(d.uri ?? '')) }).toEqual({
        hex,
        notDebs: [],
      });
      expect({
        hex,
        roles: [['build-root'], ['image'], ['build-root', 'image']].some((r) => r.join() === roles.join()),
      }).toEqual({ hex, roles: true });
    }
    const buildRoot = deps
      .filter((d) => d.annotations?.['dependencyType'] === BUILD_ROOT_DEPENDENCY)
      .map((d) => (d.name ?? '').split('_')[0]);
    expect(buildRoot).toEqual(expect.arrayContaining(['busybox', 'libc6']));

    // Published under the definition's path (the host and port of `image:` are the catalog's, not this factory's registry), promoted, and verified with the public key alone.
    const client = new RegistryClient({ registry: registry.url });
    for (const tag of ['1.35', '1.35-debian12']) expect(await client.resolveTag('examples/busybox', tag)).toBe(digest);
    const verified = await verifyImage(
      client,
      'examples/busybox',
      digest,
      loadPublicKey(readFileSync((signer as SignerKey).pub)),
    );
    expect(verified.checks.filter((c) => c.outcome !== 'verified')).toEqual([]);
    expect(verified.ok).toBe(true);
    // Six attestations (provenance, both SBOMs, test and scan reports, OpenVEX), a bundle for each and for the signature.
    expect(verified.checks.map((c) => c.kind).sort()).toEqual(
      [...Array<string>(6).fill('attestation'), ...Array<string>(7).fill('bundle'), 'signature'].sort(),
    );
    expect(statements.map((s) => s.predicateType)).toContain(PredicateType.openvex);
  }, 600_000);
});
