import { buildCtrfReport, type PolicyCheckResult } from '@patch-factory/imagetest';
import type { Finding } from '@patch-factory/vuln';
import { DEFAULT_GATES, GATES_PATH } from './gates.schema';
import { parseGates, readGates } from './gates-read';
import { evaluateSbom, evaluateScan, evaluateTests, evaluateVulnerabilities } from './gates';
import { diffScans, type ComparableReport, type ScanPlatform } from './scan-report';

const finding = (
  id: string,
  pkg: string,
  severity: Finding['severity'],
  fixable: boolean,
  installed = '1.0-1',
): Finding & { platform: string } => ({
  id,
  aliases: [],
  package: pkg,
  installed,
  arch: 'amd64',
  sourcePackage: pkg,
  sourceVersion: installed,
  ...(fixable ? { fixedVersion: '1.0-2' } : {}),
  fixable,
  severity,
  knownExploited: false,
  source: 'osv',
  sources: ['osv'],
  platform: 'linux/amd64',
});
const platform = (packages: [string, string][], sbom = true): ScanPlatform => ({
  platform: 'linux/amd64',
  distro: 'debian-12',
  packages: packages.map(([name, version]) => ({ name, version, arch: 'amd64' })),
  ...(sbom
    ? { sbom: { cyclonedx: '/out/a.cdx.json', spdx: '/out/a.spdx.json' } }
    : { sbomProblem: 'the image has no installed Debian packages' }),
});
const report = (
  findings: ReturnType<typeof finding>[],
  packages: [string, string][] = [['openssl', '3.0-1']],
  sbom = true,
): ComparableReport => ({ findings, platforms: [platform(packages, sbom)] });
const check = (
  id: PolicyCheckResult['id'],
  status: PolicyCheckResult['status'],
  message: string,
): PolicyCheckResult => ({ id, status, findings: [], message, durationMs: 1 });

describe('gates policy files', () => {
  it('fills in the defaults: tests fail on any failure, new fixable critical/high findings block, SBOMs are required', () => {
    expect(parseGates('{}')).toEqual(DEFAULT_GATES);
    expect(DEFAULT_GATES).toEqual({
      tests: { failOn: 'any' },
      vulnerabilities: { failOnNewFixable: ['critical', 'high'] },
      sbom: { required: true },
    });
    expect(parseGates('vulnerabilities:\n  failOnNewFixable: [critical]\n')).toEqual({
      ...DEFAULT_GATES,
      vulnerabilities: { failOnNewFixable: ['critical'] },
    });
    expect(parseGates('{"tests": {"failOn": "none"}, "sbom": {"required": false}}')).toMatchObject({
      tests: { failOn: 'none' },
      sbom: { required: false },
    });
  });

  it('refuses a malformed file with gates-invalid, each problem at its file, line, column and key', () => {
    const attempt = () =>
      parseGates(
        'tests:\n  failOn: sometimes\nvulnerabilities:\n  failOnNewFixable: [high, catastrophic]\nsbom: { required: "yes" }\n',
      );
    expect(attempt).toThrow(expect.objectContaining({ code: 'gates-invalid' }) as Error);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/^\.patch-factory\/gates\.yaml of the catalog is not a valid gates policy \(3 problems\):/);
    expect(message).toMatch(/\n\.patch-factory\/gates\.yaml:2:11: tests\.failOn: /);
    expect(message).toMatch(/\n\.patch-factory\/gates\.yaml:4:28: vulnerabilities\.failOnNewFixable\[1\]: /);
    expect(message).toMatch(/\n\.patch-factory\/gates\.yaml:5:19: sbom\.required: /);
  });

  it('refuses hostile YAML: unknown keys, alias bombs, tags, several documents, oversized files', () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    for (const text of [
      'exec: rm -rf /\n',
      bomb,
      'tests: !!js/function "x"\n',
      'tests: {}\n---\nsbom: {}\n',
      `# ${'x'.repeat(70 * 1024)}\n`,
      '[1, 2]\n',
      'tests: [\n',
    ]) {
      expect(() => parseGates(text)).toThrow(
        expect.objectContaining({
          code: 'gates-invalid',
          message: expect.stringContaining(`${GATES_PATH}:`) as unknown,
        }) as Error,
      );
    }
  });

  it('reads the catalog’s file at the run’s branch, and falls back to the defaults without one', async () => {
    const files = new Map([['pf/x', 'tests: { failOn: none }\n']]);
    const asked: (string | undefined)[] = [];
    const read = (path: string, branch?: string) => {
      asked.push(`${path}@${branch ?? 'default'}`);
      return Promise.resolve(path === GATES_PATH && branch ? files.get(branch) : undefined);
    };
    expect(await readGates(read)).toBe(DEFAULT_GATES);
    expect((await readGates(read, 'pf/x')).tests.failOn).toBe('none');
    expect(asked).toEqual([`${GATES_PATH}@default`, `${GATES_PATH}@pf/x`]);
    files.set('pf/bad', 'tests: { failOn: 3 }\n');
    await expect(readGates(read, 'pf/bad')).rejects.toMatchObject({
      code: 'gates-invalid',
      message: expect.stringContaining(`${GATES_PATH} (branch pf/bad):1:18: tests.failOn`) as unknown,
    });
  });
});

describe('the tests gate', () => {
  const ctrf = (checks: PolicyCheckResult[], failedTest = false) =>
    buildCtrfReport({
      start: 0,
      stop: 10,
      tests: [
        {
          name: 'smoke',
          status: failedTest ? 'failed' : 'passed',
          durationMs: 3,
          timedOut: false,
          output: '',
          message: failedTest ? 'tests[0] "smoke" exited with 1, expected 0' : 'ok',
        },
      ],
      checks,
    });

  it('passes when nothing failed; skipped checks do not count', () => {
    expect(
      evaluateTests(
        ctrf([check('no-shell', 'skipped', 'dev variant'), check('no-secrets', 'passed', 'none')]),
        DEFAULT_GATES,
      ),
    ).toEqual({ passed: true, reasons: [] });
  });

  it('fails on a failing test or policy check, naming each with its message', () => {
    const verdict = evaluateTests(
      ctrf([check('no-setuid-setgid', 'failed', '1 setuid/setgid file: /usr/bin/passwd (setuid)')], true),
      DEFAULT_GATES,
    );
    expect(verdict).toEqual({
      passed: false,
      reasons: [
        'smoke: tests[0] "smoke" exited with 1, expected 0',
        'policy: no-setuid-setgid: 1 setuid/setgid file: /usr/bin/passwd (setuid)',
      ],
    });
  });

  it('with failOn: none reports the failures and passes', () => {
    const verdict = evaluateTests(ctrf([], true), { ...DEFAULT_GATES, tests: { failOn: 'none' } });
    expect(verdict.passed).toBe(true);
    expect(verdict.reasons).toHaveLength(1);
  });

  // Issue 15: a run in which nothing ran vouches for nothing, whatever failOn says.
  it('fails a run in which no test and no check ran with tests-none-ran, naming the image and platforms', () => {
    const environment = { appName: 'examples/static', buildName: 'sha256:ab', platforms: 'linux/amd64,linux/arm64' };
    for (const policy of [DEFAULT_GATES, { ...DEFAULT_GATES, tests: { failOn: 'none' as const } }]) {
      const empty = evaluateTests(buildCtrfReport({ start: 0, stop: 1, environment }), policy);
      expect(empty).toEqual({
        passed: false,
        code: 'tests-none-ran',
        reasons: [
          'no image test and no policy check ran for examples/static sha256:ab (platforms linux/amd64,linux/arm64): the report holds no test or check',
        ],
      });
    }
    const allSkipped = buildCtrfReport({
      start: 0,
      stop: 1,
      environment,
      checks: [{ ...check('no-shell', 'skipped', 'the dev variant may ship a shell'), platform: 'linux/arm64' }],
      notRun: [
        {
          name: 'smoke',
          reason: 'not executed: linux/arm64 programs do not run on this host',
          platform: 'linux/arm64',
        },
      ],
    });
    const verdict = evaluateTests(allSkipped, DEFAULT_GATES);
    expect(verdict).toMatchObject({ passed: false, code: 'tests-none-ran' });
    expect(verdict.reasons[0]).toBe(
      'no image test and no policy check ran for examples/static sha256:ab (platforms linux/amd64,linux/arm64): all 2 were skipped (first: linux/arm64: policy: no-shell: the dev variant may ship a shell)',
    );
    expect(allSkipped.results.tests.map((t) => [t.name, t.status, t.tags])).toEqual([
      ['linux/arm64: policy: no-shell', 'skipped', ['linux/arm64']],
      ['linux/arm64: smoke', 'skipped', ['linux/arm64']],
    ]);
  });
});

describe('the scan gates', () => {
  const high = finding('CVE-2024-0001', 'openssl', 'high', true);

  it('a new fixable high finding blocks; the same finding in the previous report does not', () => {
    const verdict = evaluateVulnerabilities(report([high]), DEFAULT_GATES);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons).toEqual(['CVE-2024-0001 (high) in openssl 1.0-1, fixed in 1.0-2']);
    expect(
      evaluateVulnerabilities(report([high]), DEFAULT_GATES, report([{ ...high, platform: 'linux/arm64' }])).passed,
    ).toBe(true);
  });

  it('unfixable, lower-severity or relaxed-away findings do not block', () => {
    expect(
      evaluateVulnerabilities(
        report([finding('CVE-1', 'a', 'critical', false), finding('CVE-2', 'b', 'medium', true)]),
        DEFAULT_GATES,
      ).passed,
    ).toBe(true);
    expect(
      evaluateVulnerabilities(report([high]), { ...DEFAULT_GATES, vulnerabilities: { failOnNewFixable: ['critical'] } })
        .passed,
    ).toBe(true);
    expect(
      evaluateVulnerabilities(report([finding('CVE-2', 'b', 'medium', true)]), {
        ...DEFAULT_GATES,
        vulnerabilities: { failOnNewFixable: ['medium'] },
      }).passed,
    ).toBe(false);
  });

  it('a platform without an SBOM fails the SBOM gate unless SBOMs are not required', () => {
    const missing = report([], [], false);
    expect(evaluateSbom(missing, DEFAULT_GATES)).toEqual({
      passed: false,
      reasons: ['linux/amd64: no SBOM (the image has no installed Debian packages)'],
    });
    expect(evaluateSbom(missing, { ...DEFAULT_GATES, sbom: { required: false } }).passed).toBe(true);
    expect(evaluateScan(missing, DEFAULT_GATES)).toEqual({
      passed: false,
      reasons: ['linux/amd64: no SBOM (the image has no installed Debian packages)'],
    });
    expect(evaluateScan(report([high]), DEFAULT_GATES).reasons).toEqual([
      'CVE-2024-0001 (high) in openssl 1.0-1, fixed in 1.0-2',
    ]);
  });
});

describe('diffScans', () => {
  it('without a previous report every finding is new (once across platforms) and no package changed', () => {
    const a = finding('CVE-1', 'zlib', 'low', true);
    expect(diffScans(report([a, { ...a, platform: 'linux/arm64' }]))).toEqual({
      fixed: [],
      new: [
        { id: 'CVE-1', package: 'zlib', installed: '1.0-1', fixedVersion: '1.0-2', fixable: true, severity: 'low' },
      ],
      packagesChanged: [],
    });
  });

  it('names what was fixed, what is new and which packages came, went or moved', () => {
    const before = {
      ...report(
        [finding('CVE-1', 'zlib', 'low', true), finding('CVE-2', 'openssl', 'high', true)],
        [
          ['zlib', '1.0-1'],
          ['openssl', '3.0-1'],
          ['gone', '1'],
        ],
      ),
      runId: 'run_01',
    };
    const now = report(
      [finding('CVE-2', 'openssl', 'high', true), finding('CVE-3', 'curl', 'critical', false)],
      [
        ['zlib', '1.0-2'],
        ['openssl', '3.0-1'],
        ['curl', '8.0-1'],
      ],
    );
    const diff = diffScans(now, before);
    expect(diff.previousRunId).toBe('run_01');
    expect(diff.fixed.map((f) => f.id)).toEqual(['CVE-1']);
    expect(diff.new.map((f) => f.id)).toEqual(['CVE-3']);
    expect(diff.packagesChanged).toEqual([
      { name: 'curl', to: '8.0-1' },
      { name: 'gone', from: '1' },
      { name: 'zlib', from: '1.0-1', to: '1.0-2' },
    ]);
  });
});
