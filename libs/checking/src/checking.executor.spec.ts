import Ajv from 'ajv';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OsvAdvisorySchema, type PipelineRun } from '@patch-factory/contracts';
import type { CtrfReport } from '@patch-factory/imagetest';
import { AdvisoryRepository, ReleaseRepository } from '@patch-factory/store';
import { BackboneFixture, openVexValidator, repoRoot, type CatalogOrigin } from '@patch-factory/testing';
import {
  STATIC_DEFINITION,
  createStaticCatalog,
  exampleText,
  startCheckStage,
  startStaticMirror,
  type CheckStage,
  type StaticMirror,
} from './checking-stage.fixture';
import type { ScanReport } from './scan-report';
import { applyVex, parseOpenVex, type Finding, type VexVerdict, type VexedFinding } from '@patch-factory/vuln';
import { NO_VEX } from './scan.executor';

jest.setTimeout(480_000);

const TESTED = 'image/static/debian-12/static-tested.yaml';
const FAILING_TEST = 'pf-must-fail';
const RELAXED = 'pf/static/relaxed-gates';
const HOSTILE = 'pf/static/hostile-gates';
const VEXED = 'pf/static/vex';
const CVE = 'CVE-2099-0001';
const STORED_CVE = 'CVE-2099-0002';
const POLICY_CHECKS = [
  'no-shell',
  'no-package-manager',
  'non-root-user',
  'no-setuid-setgid',
  'no-world-writable',
  'no-secrets',
];

const stageOf = (run: PipelineRun, stage: string) => run.stages.find((s) => s.stage === stage);
const readJson = <T>(path: string | undefined): T => JSON.parse(readFileSync(path as string, 'utf8')) as T;

/**
 * The `test` and `scan` stages on the backbone: runs of a catalog definition through plan →
 * patch → build → test → scan on real Redis, the image built from a loopback mirror of real
 * Debian 12 packages, tested in the sandbox, its SBOMs made and its packages matched against
 * advisories dropped into PF_ADVISORY_DIR. The cases run in order: the vulnerability cases build
 * on the scans recorded before them.
 */
describe('the test and scan stages check the built image against the catalog’s gates', () => {
  const fx = new BackboneFixture();
  let origin: CatalogOrigin;
  let mirror: StaticMirror;
  let stage: CheckStage;
  let tzdata: string;
  let bothCves: { runId: string; report: string; digest: string } | undefined;

  beforeAll(async () => {
    origin = createStaticCatalog();
    const def = exampleText(STATIC_DEFINITION);
    const tests = `tests:\n  - name: ${FAILING_TEST}\n    commands:\n      - /bin/false\n    exit-code: 0\n`;
    origin.commit('main', { [TESTED]: `${def}${tests}` }, { message: 'a definition whose test cannot pass\n' });
    origin.commit(
      RELAXED,
      { '.patch-factory/gates.yaml': 'vulnerabilities:\n  failOnNewFixable: [critical]\n' },
      { from: 'main', message: 'gates: only critical findings block\n' },
    );
    origin.commit(
      HOSTILE,
      {
        '.patch-factory/gates.yaml':
          'tests:\n  failOn: sometimes\nvulnerabilities:\n  failOnNewFixable: high\nsbom: { required: yes-please }\nexec: rm -rf /\n',
      },
      { from: 'main', message: 'gates: hostile\n' },
    );
    const vex = [
      "'@context': https://openvex.dev/ns/v0.2.0",
      "'@id': https://example.invalid/vex/static-1",
      'author: the catalog',
      'timestamp: 2026-01-01T00:00:00Z',
      'statements:',
      `  - vulnerability: { name: ${CVE} }`,
      "    products: [{ '@id': pkg:deb/debian/tzdata }]",
      '    status: not_affected',
      '    justification: vulnerable_code_not_in_execute_path',
      '',
    ].join('\n');
    origin.commit(
      VEXED,
      { '.patch-factory/vex/image/static/debian-12/static.vex.yaml': vex },
      { from: 'main', message: 'vex: tzdata is not affected\n' },
    );
    mirror = await startStaticMirror();
    stage = await startCheckStage(fx, origin, mirror.env);
  }, 300_000);
  afterAll(async () => {
    await stage?.close();
    await fx.close();
    await mirror?.close();
    origin?.cleanup();
  }, 60_000);

  const runTo = async (definition: string, branch?: string): Promise<PipelineRun> => {
    const [run] = await fx.waitForRuns([await stage.launch(definition, branch)], 420_000);
    return run as PipelineRun;
  };

  it('tests and scans the static example: CTRF report, SBOMs of both platforms, scan report and OpenVEX', async () => {
    const run = await runTo(STATIC_DEFINITION);
    expect(run.error).toBeUndefined();
    expect(run.state).toBe('succeeded');
    const dir = join(stage.outRoot, run.id);

    // test: the policy checks ran on both platforms, each result named by its platform (issue 15);
    // the definition has no image tests, and arm64's would not be executed here (noted).
    const t = stageOf(run, 'test')?.artifacts ?? {};
    // Paths relative to the run directory: no server path in a run (issue 14).
    expect(t['test.report']).toBe('test-report.json');
    const ctrf = readJson<CtrfReport>(join(dir, 'test-report.json'));
    expect(ctrf.reportFormat).toBe('CTRF');
    expect(ctrf.results.tests.map((x) => [x.name, x.status])).toEqual(
      ['linux/amd64', 'linux/arm64'].flatMap((p) => POLICY_CHECKS.map((id) => [`${p}: policy: ${id}`, 'passed'])),
    );
    expect(t['test.passed']).toBe(String(2 * POLICY_CHECKS.length));
    expect(t['test.failed']).toBe('0');
    expect(t['test.skipped']).toBe(
      'linux/arm64 image tests not executed: this host runs linux/amd64 (policy checks ran)',
    );
    expect(ctrf.results.environment).toMatchObject({
      platforms: 'linux/amd64,linux/arm64',
      executed: 'linux/amd64',
      buildName: stageOf(run, 'build')?.artifacts['build.digest'],
    });

    // scan: one SBOM pair per platform, the report, the VEX document.
    const s = stageOf(run, 'scan')?.artifacts ?? {};
    expect(s['scan.report']).toBe('scan-report.json');
    expect(s['scan.sbom.cyclonedx']).toBe(['linux-amd64', 'linux-arm64'].map((p) => `sbom/${p}.cdx.json`).join(','));
    expect(s['scan.sbom.spdx']).toBe(['linux-amd64', 'linux-arm64'].map((p) => `sbom/${p}.spdx.json`).join(','));
    // Nothing to state: no VEX document (OpenVEX needs a statement), the absence recorded (issue 15).
    expect(s['scan.vex']).toBeUndefined();
    expect(s['scan.vex.absent']).toBe(NO_VEX);
    expect(existsSync(join(dir, 'vex.json'))).toBe(false);
    expect([s['scan.findings'], s['scan.fixable'], s['scan.new'], s['scan.fixed']]).toEqual(['0', '0', '0', '0']);
    for (const path of (s['scan.sbom.cyclonedx'] ?? '').split(',')) {
      const cdx = readJson<{ bomFormat: string; components: { name: string }[] }>(join(dir, path));
      expect(cdx.bomFormat).toBe('CycloneDX');
      expect(cdx.components.map((c) => c.name).sort()).toEqual(['base-files', 'ca-certificates', 'netbase', 'tzdata']);
    }
    // Valid by the official SPDX 2.3 JSON schema (spdx/spdx-spec v2.3), read in place.
    const spdx23 = new Ajv({ strict: true, allErrors: true }).compile(
      JSON.parse(
        readFileSync(join(repoRoot(), '..', 'shared', 'schemas', 'spdx-2.3', 'spdx-schema.json'), 'utf8'),
      ) as object,
    );
    for (const path of (s['scan.sbom.spdx'] ?? '').split(',')) {
      const spdx = readJson<{ spdxVersion: string }>(join(dir, path));
      expect(spdx.spdxVersion).toBe('SPDX-2.3');
      expect(spdx23(spdx) ? null : spdx23.errors).toBeNull();
    }
    const report = readJson<ScanReport>(join(dir, s['scan.report'] ?? ''));
    expect(report.platforms.map((p) => [p.platform, p.distro])).toEqual([
      ['linux/amd64', 'debian-12'],
      ['linux/arm64', 'debian-12'],
    ]);
    expect(report).toMatchObject({
      definition: STATIC_DEFINITION,
      runId: run.id,
      findings: [],
      suppressed: [],
      diff: { fixed: [], new: [], packagesChanged: [] },
    });
    expect(report.advisories).toEqual({ files: [], stored: 0, problems: [] });
    expect(s['scan.advisories.stored']).toBe('0');
    tzdata = report.platforms[0]?.packages.find((p) => p.name === 'tzdata')?.version as string;
    expect(tzdata).toMatch(/^20/);
  });

  it('fails the run at test with gate-tests-failed naming the failing test, and keeps the report', async () => {
    const run = await runTo(TESTED);
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ stage: 'test', code: 'gate-tests-failed' });
    expect(run.error?.message).toContain(
      `linux/amd64: ${FAILING_TEST}: tests[0] "${FAILING_TEST}" command 1 "/bin/false" cannot run`,
    );
    // The amd64 test, the checks of both platforms, and arm64's test reported as not executed (issue 15).
    expect(run.error?.message).toContain(`1 of ${2 * POLICY_CHECKS.length + 2} tests and policy checks failed`);
    // The report is named relative to the run directory: no server path in a run (issue 14).
    expect(run.error?.message).toContain('(report test-report.json of the run)');
    expect(run.error?.message).not.toContain(stage.outRoot);
    expect(stageOf(run, 'scan')?.status).not.toBe('succeeded');
    const ctrf = readJson<CtrfReport>(join(stage.outRoot, run.id, 'test-report.json'));
    expect(ctrf.results.summary).toMatchObject({ tests: 2 * POLICY_CHECKS.length + 2, failed: 1, skipped: 1 });
    expect(ctrf.results.tests.find((x) => x.status === 'skipped')).toMatchObject({
      name: `linux/arm64: ${FAILING_TEST}`,
      message: expect.stringContaining('not executed: linux/arm64 programs do not run on this host') as unknown,
    });
  });

  it('fails the run with gates-invalid naming each problem of a hostile gates file where it is', async () => {
    const run = await runTo(STATIC_DEFINITION, HOSTILE);
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ stage: 'test', code: 'gates-invalid' });
    const message = run.error?.message ?? '';
    expect(message).toContain(
      `.patch-factory/gates.yaml (branch ${HOSTILE}) of the catalog is not a valid gates policy`,
    );
    expect(message).toMatch(/gates\.yaml \(branch [^)]+\):2:\d+: tests\.failOn: /);
    expect(message).toMatch(/:4:\d+: vulnerabilities\.failOnNewFixable: /);
    expect(message).toMatch(/:5:\d+: sbom\.required: /);
    expect(message).toMatch(/exec/);
    expect(existsSync(join(stage.outRoot, run.id, 'test-report.json'))).toBe(false);
  });

  it('fails the run at scan with gate-new-fixable-vulnerability for a new fixable high CVE of an installed package', async () => {
    writeAdvisory(stage.advisoryDir, tzdata);
    const run = await runTo(STATIC_DEFINITION);
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ stage: 'scan', code: 'gate-new-fixable-vulnerability' });
    expect(run.error?.message).toContain(`${CVE} (high) in tzdata ${tzdata}, fixed in ${tzdata}+pf1`);
    expect(run.error?.message).toMatch(
      /1 new fixable vulnerability since run run_[0-9A-Z]{26} at a failing severity \(critical, high\)/,
    );
    // The report and the VEX say it, for both platforms.
    const report = readJson<ScanReport>(join(stage.outRoot, run.id, 'scan-report.json'));
    expect(report.findings.map((f) => [f.platform, f.id, f.package, f.severity, f.fixable])).toEqual([
      ['linux/amd64', CVE, 'tzdata', 'high', true],
      ['linux/arm64', CVE, 'tzdata', 'high', true],
    ]);
    expect(report.diff.new.map((f) => f.id)).toEqual([CVE]);
    expect(report.counts).toMatchObject({ findings: 2, fixable: 2, high: 2 });
    const vex = readJson<{ statements: { vulnerability: { name: string }; status: string }[] }>(
      join(stage.outRoot, run.id, 'vex.json'),
    );
    expect(vex.statements.map((st) => [st.vulnerability.name, st.status])).toEqual([[CVE, 'affected']]);
    expectVexReproducesReport(join(stage.outRoot, run.id, 'vex.json'), report);
  });

  it('suppresses a finding the catalog’s VEX says does not affect the image, and passes', async () => {
    const before = Date.now();
    const run = await runTo(STATIC_DEFINITION, VEXED);
    expect(run.error).toBeUndefined();
    expect(run.state).toBe('succeeded');
    const a = stageOf(run, 'scan')?.artifacts ?? {};
    expect([a['scan.findings'], a['scan.suppressed'], a['scan.new']]).toEqual(['0', '2', '0']);
    const report = readJson<ScanReport>(join(stage.outRoot, run.id, a['scan.report'] ?? ''));
    expect(report.suppressed.map((x) => [x.finding.platform, x.finding.id, x.vex.status, x.vex.justification])).toEqual(
      [
        ['linux/amd64', CVE, 'not_affected', 'vulnerable_code_not_in_execute_path'],
        ['linux/arm64', CVE, 'not_affected', 'vulnerable_code_not_in_execute_path'],
      ],
    );
    // The published VEX says it too, with the justification; made at the scan, not at SOURCE_DATE_EPOCH (issue 15).
    const vex = readJson<{
      timestamp: string;
      statements: { vulnerability: { name: string }; status: string; justification?: string; timestamp: string }[];
    }>(join(stage.outRoot, run.id, a['scan.vex'] ?? ''));
    expect(vex.statements.map((st) => [st.vulnerability.name, st.status, st.justification, st.timestamp])).toEqual([
      [CVE, 'not_affected', 'vulnerable_code_not_in_execute_path', '2026-01-01T00:00:00.000Z'],
    ]);
    expect(Date.parse(vex.timestamp)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expectVexReproducesReport(join(stage.outRoot, run.id, a['scan.vex'] ?? ''), report);
  });

  it('lets it through where the catalog’s gates relax the vulnerability gate, and then it is no longer new', async () => {
    const relaxed = await runTo(STATIC_DEFINITION, RELAXED);
    expect(relaxed.error).toBeUndefined();
    expect(relaxed.state).toBe('succeeded');
    const a = stageOf(relaxed, 'scan')?.artifacts ?? {};
    expect([a['scan.findings'], a['scan.fixable'], a['scan.high'], a['scan.new']]).toEqual(['2', '2', '2', '1']);

    const again = await runTo(STATIC_DEFINITION);
    expect(again.error).toBeUndefined();
    expect(again.state).toBe('succeeded');
    const b = stageOf(again, 'scan')?.artifacts ?? {};
    expect([b['scan.findings'], b['scan.new'], b['scan.fixed']]).toEqual(['2', '0', '0']);
    const report = readJson<ScanReport>(join(stage.outRoot, again.id, b['scan.report'] ?? ''));
    expect(report.diff).toEqual({
      previousRunId: relaxed.id,
      against: { kind: 'last-passing-scan', runId: relaxed.id },
      fixed: [],
      withdrawn: [],
      new: [],
      packagesChanged: [],
    });
  });

  it('matches the advisories of the store too (the watcher’s feeds), not only PF_ADVISORY_DIR', async () => {
    await new AdvisoryRepository(fx.redis, fx.prefix).record(
      OsvAdvisorySchema.parse(storedAdvisory(tzdata)),
      Date.now(),
      { source: 'test-feed' },
    );
    const run = await runTo(STATIC_DEFINITION);
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ stage: 'scan', code: 'gate-new-fixable-vulnerability' });
    // CVSS 3.1 AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N scores 9.1: critical.
    expect(run.error?.message).toContain(`${STORED_CVE} (critical) in tzdata ${tzdata}, fixed in ${tzdata}+pf2`);
    expect(run.error?.message).toMatch(/1 new fixable vulnerability since run run_[0-9A-Z]{26}/);
    const report = readJson<ScanReport>(join(stage.outRoot, run.id, 'scan-report.json'));
    bothCves = { runId: run.id, report: join(stage.outRoot, run.id, 'scan-report.json'), digest: report.digest };
    expect(report.advisories).toMatchObject({ files: ['osv-tzdata.json'], stored: 1 });
    expect(report.diff.new.map((f) => [f.id, f.package])).toEqual([[STORED_CVE, 'tzdata']]);
    expect(report.findings.filter((f) => f.id === STORED_CVE).map((f) => [f.platform, f.severity, f.fixable])).toEqual([
      ['linux/amd64', 'critical', true],
      ['linux/arm64', 'critical', true],
    ]);
  });

  it('compares with the image last published from the definition once there is one: a withdrawn advisory is withdrawn, not fixed, and nothing is new', async () => {
    // Published (promoted): the image whose scan found both CVEs. The advisory of PF_ADVISORY_DIR is withdrawn.
    const published = bothCves as { runId: string; report: string; digest: string };
    await new ReleaseRepository(fx.redis, fx.prefix).recordPublished(STATIC_DEFINITION, {
      digest: published.digest,
      runId: published.runId,
      scanReport: published.report,
      at: Date.now(),
    });
    rmSync(join(stage.advisoryDir, 'osv-tzdata.json'));
    const run = await runTo(STATIC_DEFINITION);
    // The stored critical CVE is no longer new: the published image has it too.
    expect(run.error).toBeUndefined();
    expect(run.state).toBe('succeeded');
    const a = stageOf(run, 'scan')?.artifacts ?? {};
    // The published image is not vulnerable to CVE under today's advisories (its packages rescanned): nothing
    // was fixed, the stale report's CVE was withdrawn (issue 15), so image.updated's cvesFixed (diff.fixed) is empty.
    expect([a['scan.findings'], a['scan.new'], a['scan.fixed'], a['scan.withdrawn']]).toEqual(['2', '0', '0', '1']);
    const report = readJson<ScanReport>(join(stage.outRoot, run.id, a['scan.report'] ?? ''));
    expect(report.diff.against).toEqual({ kind: 'published', runId: published.runId, digest: published.digest });
    expect(report.diff.fixed).toEqual([]);
    expect(report.diff.withdrawn?.map((f) => [f.id, f.package])).toEqual([[CVE, 'tzdata']]);
    expect(report.diff.new).toEqual([]);
    // Its VEX states no "fixed" for the withdrawn advisory.
    const vex = readJson<{ statements: { vulnerability: { name: string }; status: string }[] }>(
      join(stage.outRoot, run.id, a['scan.vex'] ?? ''),
    );
    expect(vex.statements.map((st) => [st.vulnerability.name, st.status])).toEqual([[STORED_CVE, 'affected']]);
  });
});

/**
 * The published VEX is valid by the official OpenVEX schema and, applied by the project's reader
 * to the report's raw findings (its findings and suppressed ones, without their verdicts),
 * gives the report's verdicts again (issue 15).
 */
function expectVexReproducesReport(path: string, report: ScanReport): void {
  const doc = readJson<unknown>(path);
  expect(openVexValidator()(doc)).toEqual([]);
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
  const byArch = (arch: string) => report.platforms.find((p) => p.packages.some((x) => x.arch === arch))?.distro;
  const applied = applyVex(raw, [parseOpenVex(doc, 'vex.json')], {
    name: 'examples/static',
    digest: report.digest,
    ...(byArch('amd64') ? { distro: byArch('amd64') } : {}),
  });
  expect(verdicts(applied)).toEqual(verdicts({ findings: report.findings, suppressed: report.suppressed }));
}

/** An OSV record for the store (not PF_ADVISORY_DIR): tzdata affected below `<installed>+pf2`, CVSS 9.1. */
function storedAdvisory(installed: string): unknown {
  return {
    id: STORED_CVE,
    modified: '2026-02-01T00:00:00Z',
    summary: 'another made-up flaw of tzdata, from an advisory feed',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N' }],
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'tzdata' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `${installed}+pf2` }] }],
      },
    ],
  };
}

/** An OSV record: tzdata (its own source package) affected below `<installed>+pf1`, CVSS 7.5 (high). */
function writeAdvisory(dir: string, installed: string): void {
  const record = {
    id: CVE,
    modified: '2026-01-01T00:00:00Z',
    summary: 'a made-up flaw of tzdata',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }],
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'tzdata' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `${installed}+pf1` }] }],
      },
    ],
  };
  writeFileSync(join(dir, 'osv-tzdata.json'), JSON.stringify(record));
}
