// A real pipeline run (build → test → scan → sign, real stages on real parts) of a definition
// with `contents.builds[]`: the signed SLSA provenance lists every .deb the build fetched, each
// with its sha256, the build root's marked as build-time; the SBOM lists only the image's.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunLauncher } from '@patch-factory/pipeline';
import { readSignedArtifacts } from '@patch-factory/publishing';
import { BUILD_ROOT_DEPENDENCY, PredicateType, type SlsaProvenance } from '@patch-factory/signing';
import {
  BackboneFixture,
  STATIC_DEFINITION as DEFINITION,
  createStaticCatalog,
  exampleText,
  startRegistry,
  startStaticMirror,
  type CatalogOrigin,
  type RegistryInstance,
  type StagePipeline,
  type StaticMirror,
} from '../src';
import { createSignerKey, signedStatements, startFullPipeline, type SignerKey } from '../src/full-pipeline.fixture';

/** A build whose root holds dash and coreutils (and their dependencies); only its output goes into the image. */
const BUILDS = [
  '  builds:',
  '    - name: stamp',
  '      contents:',
  '        packages:',
  '          - dash',
  '          - coreutils',
  '      pipeline:',
  '        - name: stamp',
  '          runs: mkdir -p /out && date -u -d "@$SOURCE_DATE_EPOCH" +%F > /out/stamp',
  '      outputs:',
  '        - source: /out/stamp',
  '          target: /usr/share/pf/stamp',
  '',
].join('\n');

describe('a pipeline run of a definition with contents.builds[]', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let mirror: StaticMirror;
  let registry: RegistryInstance;
  let origin: CatalogOrigin;
  let pipeline: StagePipeline;
  let signer: SignerKey | undefined;

  beforeAll(async () => {
    mirror = await startStaticMirror(['amd64']);
    registry = await startRegistry();
    const text = exampleText(DEFINITION)
      .replace(/platforms:\n(\s+- linux\/\S+\n)+/, 'platforms:\n  - linux/amd64\n')
      .replace(/\n(\s+- tzdata\n)/, `\n$1${BUILDS}`);
    expect(text).toContain('    - tzdata\n  builds:\n');
    origin = createStaticCatalog(text);
    signer = createSignerKey();
    pipeline = await startFullPipeline(fx, {
      service: 'test-build-roots',
      origin,
      signer,
      env: { ...mirror.env, PF_REGISTRY_URL: registry.url },
    });
  }, 600_000);

  afterAll(async () => {
    await pipeline?.close();
    await fx.close();
    await registry?.stop();
    await mirror?.close();
    origin?.cleanup();
    if (signer) rmSync(signer.dir, { recursive: true, force: true });
  }, 60_000);

  it('signs provenance listing every .deb fetched, with its digest; the build root’s are build-time and not in the SBOM', async () => {
    const { runId } = await pipeline.app
      .get(RunLauncher)
      .launch(DEFINITION, { kind: 'manual' }, { from: 'build', to: 'sign' });
    const [run] = await fx.waitForRuns([runId], 540_000);
    expect({ state: run?.state, error: run?.error }).toEqual({ state: 'succeeded', error: undefined });
    const runDir = join(pipeline.outRoot, runId);

    const provenance = signedStatements(await readSignedArtifacts(join(runDir, 'signing', 'signed.json'))).find(
      (s) => s.predicateType === PredicateType.slsaProvenance,
    )?.predicate as SlsaProvenance | undefined;
    expect(provenance).toBeDefined();
    const deps = provenance?.buildDefinition.resolvedDependencies ?? [];

    // Every .deb the build fetched is in the pipeline's (fresh) content-addressed package cache.
    const cache = join(pipeline.work, 'cache', 'packages', 'sha256');
    const fetched = readdirSync(cache).filter((n) => !n.startsWith('.'));
    expect(fetched.length).toBeGreaterThan(4);
    for (const hex of fetched) {
      expect(
        createHash('sha256')
          .update(readFileSync(join(cache, hex)))
          .digest('hex'),
      ).toBe(hex);
      expect(deps.filter((d) => d.digest?.['sha256'] === hex).map((d) => d.uri)).toEqual([
        expect.stringMatching(/\.deb$/),
      ]);
    }

    const buildTime = deps.filter((d) => d.annotations?.['dependencyType'] === BUILD_ROOT_DEPENDENCY);
    const names = (ds: typeof deps) => ds.map((d) => (d.name ?? '').split('_')[0]);
    expect(names(buildTime)).toEqual(expect.arrayContaining(['dash', 'coreutils', 'libc6']));
    for (const d of buildTime) expect(d.annotations?.['buildRoots']).toEqual(['contents.builds[0]']);
    const runtime = deps.slice(1).filter((d) => d.annotations?.['dependencyType'] === undefined);
    expect(names(runtime)).toEqual(expect.arrayContaining(['base-files', 'tzdata']));
    expect(names(runtime)).not.toContain('dash');

    // packages.json says the same.
    const packages = JSON.parse(readFileSync(join(runDir, 'packages.json'), 'utf8')) as {
      platforms: { buildRoots: { build: string; packages: { name: string; sha256: string }[] }[] }[];
    };
    expect(packages.platforms[0]?.buildRoots[0]?.packages.map((p) => p.sha256).sort()).toEqual(
      buildTime.map((d) => d.digest?.['sha256']).sort(),
    );

    // The SBOM describes the image: none of the build root's own packages.
    const sbom = JSON.parse(readFileSync(join(runDir, 'sbom', 'linux-amd64.cdx.json'), 'utf8')) as {
      components?: { name: string }[];
    };
    const inSbom = (sbom.components ?? []).map((c) => c.name);
    expect(inSbom).toContain('tzdata');
    for (const name of ['dash', 'coreutils']) expect(inSbom).not.toContain(name);
  }, 600_000);
});
