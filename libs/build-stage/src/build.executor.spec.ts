import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineRun } from '@patch-factory/contracts';
import { BackboneFixture, type CatalogOrigin } from '@patch-factory/testing';
import {
  STATIC_DEFINITION,
  createStaticCatalog,
  exampleText,
  startBuildStage,
  startStaticMirror,
  type BuildStage,
  type StaticMirror,
} from './build-stage.fixture';

jest.setTimeout(120_000);

const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const STATIC_PACKAGES = ['base-files', 'ca-certificates', 'netbase', 'tzdata'];
const BROKEN = 'image/static/debian-12/static-broken.yaml';
const UNKNOWN_PACKAGE = 'pf-no-such-package';
const BRANCH = 'pf/static/debian-12/static';

interface PackagesFile {
  digest: string;
  platforms: {
    platform: string;
    packages: { name: string; version: string; architecture: string; sha256: string; url: string }[];
  }[];
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const stageOf = (run: PipelineRun, stage: string) => run.stages.find((s) => s.stage === stage);

/**
 * The `build` stage on the backbone: a run of a catalog definition through plan → patch →
 * build, on real Redis, with the BuildExecutor reading the definition from a real git origin
 * and building it from a loopback mirror of real Debian 12 packages.
 */
describe('the build stage builds the run’s definition from the catalog', () => {
  const fx = new BackboneFixture();
  let origin: CatalogOrigin;
  let mirror: StaticMirror;
  let stage: BuildStage;
  let mainDigest: string;

  beforeAll(async () => {
    origin = createStaticCatalog();
    const def = exampleText(STATIC_DEFINITION);
    origin.commit(
      'main',
      { [BROKEN]: def.replace('    - tzdata\n', `    - tzdata\n    - ${UNKNOWN_PACKAGE}\n`) },
      { message: 'a definition naming a package Debian does not have\n' },
    );
    origin.commit(
      BRANCH,
      { [STATIC_DEFINITION]: def.replace('    - netbase\n', '') },
      { from: 'main', message: 'static: without netbase\n' },
    );
    mirror = await startStaticMirror();
    stage = await startBuildStage(fx, origin, mirror.env);
  }, 300_000);
  afterAll(async () => {
    await stage?.close();
    await fx.close();
    await mirror?.close();
    origin?.cleanup();
  }, 60_000);

  const runTo = async (definition: string, branch?: string): Promise<PipelineRun> => {
    const [run] = await fx.waitForRuns([await stage.launch(definition, branch)], 90_000);
    return run as PipelineRun;
  };
  const readPackages = (path: string | undefined) => JSON.parse(readFileSync(path as string, 'utf8')) as PackagesFile;

  it('leaves the image layout, its digest, the build log and every package with its checksum', async () => {
    const run = await runTo(STATIC_DEFINITION);
    expect(run.state).toBe('succeeded');
    const build = stageOf(run, 'build');
    expect(build?.status).toBe('succeeded');
    const a = build?.artifacts ?? {};
    const dir = join(stage.outRoot, run.id);
    const digest = a['build.digest'] as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const commit = origin.head('main') as string;
    // Files relative to the run directory: no server path in a run (issue 14).
    expect(a).toEqual({
      'build.digest': digest,
      'build.layout': 'image',
      'build.log': 'build.log',
      'build.packages': 'packages.json',
      'build.commit': commit,
    });
    // Where the definition came from, for the provenance the sign stage makes.
    expect(JSON.parse(readFileSync(join(dir, 'source.json'), 'utf8'))).toEqual({
      definition: STATIC_DEFINITION,
      repository: origin.dir,
      commit,
    });
    mainDigest = digest;

    // The layout: index.json points at the image index whose digest the stage recorded, and that blob is whole.
    const layout = join(dir, a['build.layout'] as string);
    expect(JSON.parse(readFileSync(join(layout, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests.map((m) => m.digest)).toEqual([digest]);
    expect(sha256(readFileSync(join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length))))).toBe(
      digest.slice('sha256:'.length),
    );

    // The log names the definition, every package of each platform with its version, and ends with the digest.
    const log = readFileSync(join(dir, a['build.log'] as string), 'utf8')
      .trimEnd()
      .split('\n');
    expect(log[0]).toBe(`build ${STATIC_DEFINITION} (run ${run.id}, attempt 1)`);
    expect(log[log.length - 1]).toBe(`image ${digest}`);
    const packages = readPackages(join(dir, a['build.packages'] as string));
    for (const p of packages.platforms) {
      expect(log.some((l) => l.startsWith(`${p.platform}: ${p.packages.length} packages, `))).toBe(true);
      for (const pkg of p.packages)
        expect(log).toContain(`${p.platform}: package ${pkg.name} ${pkg.version} (${pkg.architecture})`);
    }

    // packages.json: both platforms, every package with its version, URL and the sha256 of the .deb served there.
    expect(packages.digest).toBe(digest);
    expect(packages.platforms.map((p) => p.platform)).toEqual(PLATFORMS);
    for (const p of packages.platforms) {
      expect(p.packages.map((pkg) => pkg.name).sort()).toEqual(STATIC_PACKAGES);
      for (const pkg of p.packages) {
        expect(pkg.version).toMatch(/^[0-9][0-9A-Za-z.+~:-]*$/);
        expect(pkg.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(pkg.url.startsWith(`${mirror.fixture.baseUrl}/pool/main/${pkg.name}/`)).toBe(true);
        expect(['all', p.platform.slice('linux/'.length)]).toContain(pkg.architecture);
        const deb = await fetch(pkg.url);
        expect(deb.status).toBe(200);
        expect(sha256(Buffer.from(await deb.arrayBuffer()))).toBe(pkg.sha256);
      }
    }
  });

  it('fails the run at build with build-unresolvable when a package cannot be had, leaving no image and a log with the reason', async () => {
    const run = await runTo(BROKEN);
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ stage: 'build', code: 'build-unresolvable' });
    expect(run.error?.message).toContain(UNKNOWN_PACKAGE);
    expect(stageOf(run, 'build')?.status).toBe('failed');
    const dir = join(stage.outRoot, run.id);
    expect(existsSync(join(dir, 'image'))).toBe(false);
    expect(existsSync(join(dir, 'packages.json'))).toBe(false);
    const log = readFileSync(join(dir, 'build.log'), 'utf8').trimEnd().split('\n');
    expect(log[0]).toBe(`build ${BROKEN} (run ${run.id}, attempt 1)`);
    expect(log[log.length - 1]).toMatch(new RegExp(`^failed \\(build-unresolvable\\): .*${UNKNOWN_PACKAGE}`));
  });

  it('builds the patch branch when the run’s patch stage recorded one', async () => {
    const run = await runTo(STATIC_DEFINITION, BRANCH);
    expect(run.state).toBe('succeeded');
    expect(stageOf(run, 'patch')?.artifacts['patch.branch']).toBe(BRANCH);
    const a = stageOf(run, 'build')?.artifacts ?? {};
    expect(a['build.digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a['build.digest']).not.toBe(mainDigest);
    // The commit is the branch's, not main's.
    expect(a['build.commit']).toBe(origin.head(BRANCH));
    expect(a['build.commit']).not.toBe(origin.head('main'));
    const packages = readPackages(join(stage.outRoot, run.id, a['build.packages'] as string));
    expect(packages.platforms.map((p) => p.platform)).toEqual(PLATFORMS);
    for (const p of packages.platforms)
      expect(p.packages.map((pkg) => pkg.name).sort()).toEqual(STATIC_PACKAGES.filter((n) => n !== 'netbase'));
    const log = readFileSync(join(stage.outRoot, run.id, a['build.log'] as string), 'utf8')
      .trimEnd()
      .split('\n');
    expect(log[0]).toBe(`build ${STATIC_DEFINITION} at ${BRANCH} (run ${run.id}, attempt 1)`);
    expect(log.filter((l) => / package netbase /.test(l))).toEqual([]);
    expect(log[log.length - 1]).toBe(`image ${a['build.digest']}`);
  });

  it('fails the run with definition-missing when the catalog does not hold the definition', async () => {
    const absent = 'image/static/debian-12/absent.yaml';
    const run = await runTo(absent);
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ stage: 'build', code: 'definition-missing' });
    expect(run.error?.message).toContain(absent);
    expect(existsSync(join(stage.outRoot, run.id))).toBe(false);
  });
});
