import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeImageLayout } from '@patch-factory/builder';
import type { TarEntry } from '@patch-factory/oci';
import { loadConfig } from '@patch-factory/config';
import { PipelineError, type PipelineRun } from '@patch-factory/contracts';
import type { CtrfReport } from '@patch-factory/imagetest';
import { CatalogAccess } from '@patch-factory/catalog-access';
import type { StageContext, StageResult } from '@patch-factory/pipeline';
import { createLogger } from '@patch-factory/telemetry';
import {
  STATIC_DEFINITION,
  createStaticCatalog,
  exampleText,
  sharedRedisUrl,
  type CatalogOrigin,
} from '@patch-factory/testing';
import { hostPlatform } from './build-input';
import { TestExecutor } from './test.executor';

jest.setTimeout(120_000);

/**
 * Issue 15: the test stage's file-only policy checks run for every platform of the image, not
 * only the host's. Real two-platform OCI layouts (written by libs/builder) in which only the
 * platform this host does NOT run carries a setuid file, a world-writable file, a private key
 * and a shell (in a runtime image); the real TestExecutor over a real catalog (git) tests them.
 */
const HOST = hostPlatform() as string;
const OTHER = HOST === 'linux/arm64' ? 'linux/amd64' : 'linux/arm64';
const TEST_NAME = 'ldconfig-version';
const RUN_ID = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
const EPOCH = 1_700_000_000;
const CHECKS = [
  'no-shell',
  'no-package-manager',
  'non-root-user',
  'no-setuid-setgid',
  'no-world-writable',
  'no-secrets',
];

const entry = (
  path: string,
  type: TarEntry['type'],
  mode: number,
  data: Buffer | string = '',
  extra: Partial<TarEntry> = {},
): TarEntry => ({
  path,
  type,
  mode,
  uid: 0,
  gid: 0,
  mtime: EPOCH,
  data: Buffer.from(data),
  ...extra,
});

/** A small runtime root: accounts, and the host's static ldconfig as the one program the image test runs. */
function baseLayer(): TarEntry[] {
  return [
    entry('etc', 'dir', 0o755),
    entry(
      'etc/passwd',
      'file',
      0o644,
      'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n',
    ),
    entry('etc/group', 'file', 0o644, 'root:x:0:\nnonroot:x:65532:nonroot\n'),
    entry('home', 'dir', 0o755),
    entry('home/nonroot', 'dir', 0o750, '', { uid: 65532, gid: 65532 }),
    entry('tmp', 'dir', 0o1777),
    entry('usr', 'dir', 0o755),
    entry('usr/bin', 'dir', 0o755),
    entry('usr/sbin', 'dir', 0o755),
    entry('usr/sbin/ldconfig', 'file', 0o755, readFileSync('/usr/sbin/ldconfig')),
    entry('bin', 'symlink', 0o777, '', { linkTarget: 'usr/bin' }),
  ];
}

/** What only the other platform carries: one finding for each file-only check. */
function dirtyLayer(): TarEntry[] {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return [
    entry('usr/bin/helper', 'file', 0o4755, '\u007fELF helper'),
    entry('usr/bin/dash', 'file', 0o755, '\u007fELF dash'),
    entry('usr/bin/sh', 'symlink', 0o777, '', { linkTarget: 'dash' }),
    entry('opt', 'dir', 0o755),
    entry('opt/app', 'dir', 0o755),
    entry('opt/app/data.txt', 'file', 0o666, 'shared'),
    entry('home/nonroot/.ssh', 'dir', 0o700, '', { uid: 65532, gid: 65532 }),
    entry('home/nonroot/.ssh/id_ecdsa', 'file', 0o600, privateKey.export({ format: 'pem', type: 'pkcs8' }), {
      uid: 65532,
      gid: 65532,
    }),
  ];
}

const platformOf = (p: string) => ({ os: 'linux', architecture: p.split('/')[1] as string });
const config = { User: '65532:65532', Env: ['PATH=/usr/sbin:/usr/bin'] };

describe('the test stage checks every platform of a two-platform image', () => {
  let work: string;
  let origin: CatalogOrigin;
  let executor: TestExecutor;
  let outRoot: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pf-test-platforms-'));
    outRoot = join(work, 'out');
    const tests = `tests:\n  - name: ${TEST_NAME}\n    commands:\n      - /usr/sbin/ldconfig --version\n    exit-code: 0\n    output: ldconfig\n`;
    origin = createStaticCatalog(`${exampleText(STATIC_DEFINITION)}${tests}`);
    const env = loadConfig({
      ...process.env,
      PF_REDIS_URL: sharedRedisUrl(),
      PF_CATALOG_REMOTE: origin.dir,
      PF_CATALOG_WORKDIR: join(work, 'catalog.git'),
      PF_BUILD_OUT_DIR: outRoot,
    });
    executor = new TestExecutor(new CatalogAccess(env), env);
  });
  afterAll(() => {
    origin?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Writes the image (amd64 then arm64, as the catalog builds) into the run directory and runs the test stage on it. */
  const testStage = async (
    dirtyOther: boolean,
  ): Promise<{ result?: StageResult<'test'>; error?: PipelineError; report: CtrfReport }> => {
    const runDir = join(outRoot, RUN_ID);
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true });
    const platforms = ['linux/amd64', 'linux/arm64'].map((p) => ({
      ...platformOf(p),
      config,
      layers: p === OTHER && dirtyOther ? [baseLayer(), dirtyLayer()] : [baseLayer()],
    }));
    const digest = await writeImageLayout(join(runDir, 'image'), { platforms, sourceDateEpoch: EPOCH, refName: '12' });
    const run: PipelineRun = {
      id: RUN_ID,
      definition: STATIC_DEFINITION,
      trigger: { kind: 'manual' },
      state: 'running',
      createdAt: 0,
      updatedAt: 0,
      stages: [
        {
          stage: 'build',
          status: 'succeeded',
          attempts: 1,
          artifacts: { 'build.layout': 'image', 'build.digest': digest },
        },
      ],
    };
    const ctx: StageContext<'test'> = {
      runId: RUN_ID,
      stage: 'test',
      definition: STATIC_DEFINITION,
      attempt: 1,
      idempotencyKey: `${RUN_ID}:test`,
      signal: new AbortController().signal,
      logger: createLogger('test-platforms-spec', 'silent'),
      loadRun: () => Promise.resolve(run),
      progress: () => undefined,
    };
    const outcome = await executor.execute(ctx).then(
      (result) => ({ result }),
      (error: unknown) => ({ error: error as PipelineError }),
    );
    const report = JSON.parse(readFileSync(join(runDir, 'test-report.json'), 'utf8')) as CtrfReport;
    return { ...outcome, report };
  };

  it(`fails the run when only ${OTHER} (not this host's platform) has a setuid file, a world-writable file, a private key and a shell, naming that platform`, async () => {
    const { result, error, report } = await testStage(true);
    expect(result).toBeUndefined();
    expect(error).toBeInstanceOf(PipelineError);
    expect(error?.code).toBe('gate-tests-failed');
    const message = error?.message ?? '';
    expect(message).toContain(`4 of ${2 * CHECKS.length + 2} tests and policy checks failed`);
    expect(message).toContain(`${OTHER}: policy: no-setuid-setgid: 1 setuid/setgid file: /usr/bin/helper (setuid)`);
    expect(message).toContain(
      `${OTHER}: policy: no-world-writable: 1 world-writable entry: /opt/app/data.txt (world-writable file)`,
    );
    expect(message).toContain(`${OTHER}: policy: no-secrets: 1 secret found`);
    expect(message).toContain('/home/nonroot/.ssh/id_ecdsa (pem-private-key)');
    expect(message).toMatch(
      new RegExp(
        `${OTHER}: policy: no-shell: the runtime image ships 2 shell programs: /usr/bin/dash \\(shell dash\\), /usr/bin/sh \\(shell sh\\)`,
      ),
    );
    expect(message).not.toContain(`${HOST}: policy:`);

    // Every result is named and tagged by its platform; the host's image test ran, the other's is skipped with why.
    const rows = report.results.tests.map((t) => [t.name, t.status, t.tags]);
    expect(rows).toEqual([
      [`${HOST}: ${TEST_NAME}`, 'passed', [HOST]],
      ...['linux/amd64', 'linux/arm64'].flatMap((p) =>
        CHECKS.map((id) => [
          `${p}: policy: ${id}`,
          p === OTHER && id !== 'no-package-manager' && id !== 'non-root-user' ? 'failed' : 'passed',
          [p],
        ]),
      ),
      [`${OTHER}: ${TEST_NAME}`, 'skipped', [OTHER]],
    ]);
    const skipped = report.results.tests.find((t) => t.status === 'skipped');
    expect(skipped?.message).toBe(
      `not executed: ${OTHER} programs do not run on this host (it runs ${HOST}); the file-only policy checks ran`,
    );
    expect(report.results.summary).toMatchObject({
      tests: 2 * CHECKS.length + 2,
      passed: 2 * CHECKS.length - 4 + 1,
      failed: 4,
      skipped: 1,
    });
    expect(report.results.environment).toMatchObject({ platforms: 'linux/amd64,linux/arm64', executed: HOST });
    expect(report.results.environment?.['skipped']).toContain(`${OTHER}: image tests not executed`);
  });

  it('passes a clean two-platform image, with the platform whose tests did not run named in the report and the artifacts', async () => {
    const { result, error, report } = await testStage(false);
    expect(error).toBeUndefined();
    expect(result?.artifacts).toMatchObject({
      'test.report': 'test-report.json',
      'test.passed': String(2 * CHECKS.length + 1),
      'test.failed': '0',
      'test.skipped': `${OTHER} image tests not executed: this host runs ${HOST} (policy checks ran)`,
    });
    expect(report.results.tests.filter((t) => t.type === 'policy-check').map((t) => t.tags?.[0])).toEqual([
      ...CHECKS.map(() => 'linux/amd64'),
      ...CHECKS.map(() => 'linux/arm64'),
    ]);
  });
});
