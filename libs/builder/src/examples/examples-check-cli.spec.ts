import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { checkCliBuilt, cliEnv, patchFactory } from './accepted-cli.fixture';
import { layoutIndex } from './accepted-images.fixture';
import {
  FIXTURE_IDS,
  installedPackages,
  withTests,
  writeAdvisories,
  writeVex,
  type StatusPackage,
} from './check.fixture';
import { exampleFile, startExampleMirror, tempDir, type ExampleMirror } from './example.fixture';

/**
 * `patch-factory test` and `patch-factory scan` as people run them (dist/tools/cli/src/main.js
 * in its own process; run `npm run build` first), on static-dev and redis built for linux/amd64
 * from the loopback Debian 12 mirror: tests in the real sandbox, advisories from fixture files.
 */

jest.setTimeout(600_000);

let mirror: ExampleMirror;
let work: string;
let env: NodeJS.ProcessEnv;
/** The CLI's TMPDIR: where `test` unpacks images (mode 0755: the image's user must reach them). */
let tmp: string;
const layouts = { 'static-dev': '', redis: '' };

beforeAll(async () => {
  checkCliBuilt();
  for (const name of ['test-command', 'scan-command']) {
    const built = join(repoRoot(), 'dist', 'tools', 'cli', 'src', `${name}.js`);
    if (
      !existsSync(built) ||
      statSync(built).mtimeMs < statSync(join(repoRoot(), 'tools', 'cli', 'src', `${name}.ts`)).mtimeMs
    )
      throw new Error(`${built} is missing or stale: run npm run build first`);
  }
  mirror = await startExampleMirror(['amd64']);
  work = tempDir('pf-cli-check-');
  tmp = tempDir('pf-cli-check-tmp-');
  chmodSync(tmp, 0o755);
  const buildEnv = cliEnv({ ...mirror.env, PF_BUILD_CACHE_DIR: join(work, 'cache') });
  env = { ...buildEnv, TMPDIR: tmp };
  for (const name of ['static-dev', 'redis'] as const) {
    layouts[name] = join(work, name);
    const res = await patchFactory(
      ['build', exampleFile(name), '--out', layouts[name], '--platform', 'linux/amd64'],
      buildEnv,
    );
    if (res.code !== 0) throw new Error(`building ${name} failed: ${res.stderr}`);
  }
});
afterAll(async () => {
  await mirror?.fixture.close();
  if (work) rmSync(work, { recursive: true, force: true });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** What the CLI left in its TMPDIR (`test` removes the image roots it unpacks, also on failure). */
const leftInTmp = () => readdirSync(tmp);

describe('patch-factory test', () => {
  it('runs the tests and policy checks of redis: one failing test → exit 1 naming it, and a CTRF report with the counts', async () => {
    const file = withTests(exampleFile('redis'), join(work, 'redis-tests.yaml'), [
      { name: 'version', commands: ['redis-server --version'], 'exit-code': 0, output: 'v=7.0' },
      { name: 'wrong flag', commands: ['redis-server --no-such-flag'], 'exit-code': 0 },
    ]);
    const ctrf = join(work, 'ctrf.json');
    const res = await patchFactory(['test', file, layouts.redis, '--ctrf', ctrf], env);
    expect({ code: res.code, stderr: res.stderr }).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^error image-tests-failed: 1 of 2 tests and 0 of 6 policy checks failed: "wrong flag"$/m,
      ) as unknown,
    });
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split('  ').slice(0, 2).join('  '))).toEqual([
      'PASS  version',
      'FAIL  wrong flag',
      'PASS  policy: no-shell',
      'PASS  policy: no-package-manager',
      'PASS  policy: non-root-user',
      'PASS  policy: no-setuid-setgid',
      'PASS  policy: no-world-writable',
      'PASS  policy: no-secrets',
      '2 tests: 1 passed, 1 failed; 6 policy checks: 6 passed, 0 failed, 0 skipped',
    ]);
    expect(lines[0]).toContain('printed "v=7.0"');
    expect(lines[1]).toContain('tests[1] "wrong flag" exited with 1, expected 0');
    const report = JSON.parse(readFileSync(ctrf, 'utf8')) as {
      reportFormat: string;
      results: {
        summary: Record<string, number>;
        tests: { name: string; status: string }[];
        environment: Record<string, string>;
      };
    };
    expect(report.reportFormat).toBe('CTRF');
    expect(report.results.summary).toMatchObject({ tests: 8, passed: 7, failed: 1, skipped: 0, pending: 0, other: 0 });
    expect(report.results.tests.slice(0, 2)).toMatchObject([
      { name: 'version', status: 'passed' },
      { name: 'wrong flag', status: 'failed' },
    ]);
    expect(report.results.environment).toEqual({
      appName: 'examples/redis',
      imageDigest: layoutIndex(layouts.redis).top.digest,
    });
    expect(leftInTmp()).toEqual([]);
  });

  it('redis with one passing test: exit 0, every policy check passes; --ctrf - prints the report alone on stdout', async () => {
    const file = withTests(exampleFile('redis'), join(work, 'redis-pass.yaml'), [
      { name: 'version', commands: ['redis-server --version'], 'exit-code': 0, output: 'v=7.0' },
    ]);
    const res = await patchFactory(['test', file, layouts.redis, '--platform', 'linux/amd64', '--ctrf', '-'], env);
    expect({ code: res.code }).toEqual({ code: 0 });
    const report = JSON.parse(res.stdout) as { results: { summary: Record<string, number> } };
    expect(report.results.summary).toMatchObject({ tests: 7, passed: 7, failed: 0 });
    expect(res.stderr).toContain('PASS  version');
    expect(res.stderr).toContain('1 tests: 1 passed, 0 failed; 6 policy checks: 6 passed, 0 failed, 0 skipped');
  });

  it('static-dev (dev variant): its shell test passes, the real setuid and secret findings fail the run', async () => {
    const file = withTests(exampleFile('static-dev'), join(work, 'static-dev-tests.yaml'), [
      { name: 'shell', commands: ['sleep 2', 'echo "$(id -u) $(pwd)"'], 'exit-code': 0, output: '0 /' },
    ]);
    // While the test sleeps, the unpacked root's directory is reachable by the image's group only.
    const seen = new Set<string>();
    const poll = setInterval(() => {
      for (const name of leftInTmp()) {
        const s = statSync(join(tmp, name), { throwIfNoEntry: false });
        if (s) seen.add(`${name.replace(/[^-]+$/, 'X')} ${(s.mode & 0o7777).toString(8)} ${s.uid}:${s.gid}`);
      }
    }, 100);
    const res = await patchFactory(['test', file, layouts['static-dev']], env).finally(() => clearInterval(poll));
    // As root the folder is made 0700 (mkdtemp) and then opened to the image's group (0710): a poll may catch the first, stricter mode.
    if (process.getuid?.() === 0) {
      expect([...seen]).toContain('pf-image-test-X 710 0:0');
      expect([...seen].filter((m) => !['pf-image-test-X 700 0:0', 'pf-image-test-X 710 0:0'].includes(m))).toEqual([]);
    } else expect([...seen]).toEqual([expect.stringMatching(/^pf-image-test-X 700 /)]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^PASS {2}shell {2}/m);
    expect(res.stdout).toMatch(/^SKIP {2}policy: no-shell {2}/m);
    expect(res.stdout).toMatch(/^FAIL {2}policy: no-secrets {2}.*libgnutls/m);
    expect(res.stdout).toMatch(
      /^FAIL {2}policy: no-setuid-setgid {2}\d+ setuid\/setgid files: .*\/usr\/bin\/chfn \(setuid\)/m,
    );
    expect(res.stderr).toMatch(
      /^error image-tests-failed: 0 of 1 tests and 2 of 6 policy checks failed: policy: no-setuid-setgid, policy: no-secrets$/m,
    );
    expect(leftInTmp()).toEqual([]);
  });

  it('an invalid definition is refused with its location; a directory that is no layout with an image- code', async () => {
    const bad = join(work, 'bad.yaml');
    withTests(exampleFile('redis'), bad, [{ name: 'x', commands: ['true'], 'exit-code': 'zero' }]);
    const invalid = await patchFactory(['test', bad, layouts.redis], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/bad\.yaml:\d+:\d+: tests\[0\]\.exit-code: /);
    expect(invalid.stderr).toMatch(/^error definition-invalid: /m);
    const notLayout = await patchFactory(['test', exampleFile('redis'), work], env);
    expect(notLayout.code).toBe(1);
    expect(notLayout.stderr).toMatch(/^error image-layout-invalid: /m);
    const usage = await patchFactory(['test', exampleFile('redis')], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('test needs <oci-layout>');
    expect(leftInTmp()).toEqual([]);
  });

  it('an image root its user cannot reach (TMPDIR mode 0700, redis runs as 65532): image-test-root-unusable, nothing left behind', async () => {
    const file = withTests(exampleFile('redis'), join(work, 'redis-unreachable.yaml'), [
      { name: 'version', commands: ['redis-server --version'], 'exit-code': 0 },
    ]);
    const closed = tempDir('pf-cli-check-closed-');
    try {
      chmodSync(closed, 0o700);
      const res = await patchFactory(['test', file, layouts.redis], { ...env, TMPDIR: closed });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(
        /^error image-test-root-unusable: the image runs as 65532:65532, who cannot reach its root/m,
      );
      expect(readdirSync(closed)).toEqual([]);
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });
});

interface ScanJson {
  image: { digest: string; platform: string; distro: string; name?: string };
  findings: {
    id: string;
    package: string;
    installed: string;
    sourcePackage: string;
    fixedVersion?: string;
    fixable: boolean;
    severity: string;
    source: string;
  }[];
  suppressed: {
    finding: { id: string; package: string };
    vex: { status: string; justification?: string; where: string };
  }[];
  counts: { total: number; afterVex: number; suppressed: number; fixable: number; bySeverity: Record<string, number> };
}

describe('patch-factory scan', () => {
  let packages: StatusPackage[];
  let advisories: string;
  let broken: string;
  let vex: string;
  let libssl3: StatusPackage;
  let redisBinaries: StatusPackage[];

  beforeAll(async () => {
    packages = await installedPackages(layouts.redis);
    const found = packages.find((p) => p.name === 'libssl3');
    if (!found) throw new Error('the redis image has no libssl3');
    libssl3 = found;
    expect(libssl3.source).toBe('openssl');
    expect(packages.filter((p) => p.source === 'openssl').map((p) => p.name)).toEqual(['libssl3']);
    redisBinaries = packages.filter((p) => p.source === 'redis');
    expect(redisBinaries.map((p) => p.name)).toContain('redis-server');
    advisories = join(work, 'advisories');
    ({ broken } = writeAdvisories(advisories, libssl3.sourceVersion));
    vex = join(work, 'vex.json');
    writeVex(vex);
  });

  it('--json: the openssl finding (fixable) on libssl3, the open redis issue (not fixable), the other suppressed by VEX', async () => {
    const res = await patchFactory(['scan', layouts.redis, '--advisories', advisories, '--vex', vex, '--json'], env);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as ScanJson;
    expect(report.image).toEqual({
      digest: layoutIndex(layouts.redis).top.digest,
      platform: 'linux/amd64',
      manifestDigest: expect.stringMatching(/^sha256:/) as unknown,
      distro: 'debian-12',
      name: 'examples/redis',
    });
    const expected = [
      {
        id: FIXTURE_IDS.openssl,
        package: 'libssl3',
        installed: libssl3.version,
        sourcePackage: 'openssl',
        fixedVersion: `${libssl3.sourceVersion}+pf1`,
        fixable: true,
        severity: 'critical',
        source: 'osv',
      },
      ...redisBinaries.map((p) => ({
        id: FIXTURE_IDS.redisOpen,
        package: p.name,
        installed: p.version,
        sourcePackage: 'redis',
        fixable: false,
        severity: 'medium',
        source: 'debian-tracker',
      })),
    ];
    expect(report.findings).toEqual(expected.map((f) => expect.objectContaining(f) as unknown));
    expect(report.findings.find((f) => f.id === FIXTURE_IDS.redisOpen)?.fixedVersion).toBeUndefined();
    expect(report.findings.some((f) => f.id === FIXTURE_IDS.opensslFixedEqual)).toBe(false);
    expect(report.suppressed.map((s) => [s.finding.id, s.finding.package, s.vex.status, s.vex.justification])).toEqual(
      redisBinaries.map((p) => [FIXTURE_IDS.redisVex, p.name, 'not_affected', 'vulnerable_code_not_in_execute_path']),
    );
    const n = redisBinaries.length;
    expect(report.counts).toEqual({
      total: 1 + 2 * n,
      afterVex: 1 + n,
      suppressed: n,
      fixable: 1,
      bySeverity: { unknown: 0, none: 0, low: 0, medium: n, high: 0, critical: 1 },
    });
    // The file that is not JSON is a warning naming it; the rest loaded.
    expect(res.stderr).toContain(`warning: ${broken}: not JSON`);
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('the table: findings after VEX, then the counts before and after VEX', async () => {
    const res = await patchFactory(['scan', layouts.redis, '--advisories', advisories, '--vex', vex], env);
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    const n = redisBinaries.length;
    expect(lines[1]?.split(/ {2,}/)).toEqual(['ID', 'PACKAGE', 'INSTALLED', 'FIXED', 'SEVERITY']);
    expect(lines[2]?.split(/ {2,}/)).toEqual([
      FIXTURE_IDS.openssl,
      'libssl3',
      libssl3.version,
      `${libssl3.sourceVersion}+pf1`,
      'critical',
    ]);
    expect(lines.slice(3, 3 + n).map((l) => l.split(/ {2,}/))).toEqual(
      redisBinaries.map((p) => [FIXTURE_IDS.redisOpen, p.name, p.version, '-', 'medium']),
    );
    expect(lines).toContain(`findings: ${1 + 2 * n} before VEX, ${1 + n} after VEX (${n} suppressed); 1 fixable`);
    expect(lines).toContain(`by severity: critical 1, medium ${n}`);
    // Without VEX the suppressed issue stands.
    const noVex = await patchFactory(['scan', layouts.redis, '--advisories', advisories, '--json'], env);
    expect((JSON.parse(noVex.stdout) as ScanJson).counts).toMatchObject({
      total: 1 + 2 * n,
      afterVex: 1 + 2 * n,
      suppressed: 0,
    });
  });

  it('bad inputs: no --advisories (usage), a missing advisory path, a directory that is no layout', async () => {
    const usage = await patchFactory(['scan', layouts.redis], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--advisories <file-or-dir> is required');
    const missing = await patchFactory(['scan', layouts.redis, '--advisories', join(work, 'no-such')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error input-unreadable: --advisories ".*no-such": no such file or directory$/m);
    const notLayout = await patchFactory(['scan', advisories, '--advisories', advisories], env);
    expect(notLayout.code).toBe(1);
    expect(notLayout.stderr).toMatch(/^error image-layout-invalid: /m);
  });
});
