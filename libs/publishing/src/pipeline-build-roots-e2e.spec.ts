// A real pipeline run (build → test → scan → sign, real stages on real parts) of a definition
// with `contents.builds[]`: the signed SLSA provenance lists every .deb the build fetched, each
// with its sha256, the build root's marked as build-time; the SBOM lists only the image's.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILDING_EXECUTORS } from '@patch-factory/building';
import { CHECKING_EXECUTORS } from '@patch-factory/checking';
import { PATCHING_EXECUTORS, PATCHING_JOBS, PatchingModule } from '@patch-factory/patching';
import { RUN_STAGES, RunLauncher, type StageExecutor, type StageResult } from '@patch-factory/pipeline';
import { BUILD_ROOT_DEPENDENCY, PredicateType, type SlsaProvenance } from '@patch-factory/signing';
import {
  BackboneFixture,
  STATIC_DEFINITION as DEFINITION,
  createStaticCatalog,
  exampleText,
  startRegistry,
  startStagePipeline,
  startStaticMirror,
  type CatalogOrigin,
  type RegistryInstance,
  type StagePipeline,
  type StaticMirror,
} from '@patch-factory/testing';
import { PUBLISHING_EXECUTORS } from './publishing.module';
import { readSignedArtifacts } from './signed-artifacts';

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

const notifyDouble: StageExecutor = { execute: (): Promise<StageResult> => Promise.resolve({ artifacts: {} }) };

/** The in-toto statements the sign stage made (the DSSE payloads of its attestation layers). */
function signedStatements(artifacts: Awaited<ReturnType<typeof readSignedArtifacts>>): { predicateType: string; predicate: unknown }[] {
  const out: { predicateType: string; predicate: unknown }[] = [];
  for (const m of [...artifacts.tags, ...artifacts.referrers]) {
    for (const blob of m.blobs) {
      let doc: { payload?: string; payloadType?: string };
      try {
        doc = JSON.parse(blob.bytes.toString('utf8')) as typeof doc;
      } catch {
        continue;
      }
      if (doc.payloadType !== 'application/vnd.in-toto+json' || typeof doc.payload !== 'string') continue;
      out.push(JSON.parse(Buffer.from(doc.payload, 'base64').toString('utf8')) as { predicateType: string; predicate: unknown });
    }
  }
  return out;
}

describe('a pipeline run of a definition with contents.builds[]', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let mirror: StaticMirror;
  let registry: RegistryInstance;
  let origin: CatalogOrigin;
  let pipeline: StagePipeline;
  let keyDir: string;

  beforeAll(async () => {
    mirror = await startStaticMirror(['amd64']);
    registry = await startRegistry();
    const text = exampleText(DEFINITION)
      .replace(/platforms:\n(\s+- linux\/\S+\n)+/, 'platforms:\n  - linux/amd64\n')
      .replace(/\n(\s+- tzdata\n)/, `\n$1${BUILDS}`);
    expect(text).toContain('    - tzdata\n  builds:\n');
    origin = createStaticCatalog(text);
    keyDir = mkdtempSync(join(tmpdir(), 'pf-signer-key-'));
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(keyDir, 'cosign.key')]);
    chmodSync(join(keyDir, 'cosign.key'), 0o600);
    writeFileSync(join(keyDir, 'cosign.pub'), execFileSync('openssl', ['pkey', '-in', join(keyDir, 'cosign.key'), '-pubout']));
    pipeline = await startStagePipeline(fx, {
      service: 'test-build-roots',
      origin,
      env: { ...mirror.env, PF_FORGE: 'branch', PF_SIGNING_KEY: `file://${join(keyDir, 'cosign.key')}`, PF_REGISTRY_URL: registry.url },
      stages: RUN_STAGES,
      jobs: [...PATCHING_JOBS],
      imports: [PatchingModule],
      executors: { ...PATCHING_EXECUTORS, ...BUILDING_EXECUTORS, ...CHECKING_EXECUTORS, ...PUBLISHING_EXECUTORS, notify: notifyDouble },
    });
  }, 600_000);

  afterAll(async () => {
    await pipeline?.close();
    await fx.close();
    await registry?.stop();
    await mirror?.close();
    origin?.cleanup();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  }, 60_000);

  it('signs provenance listing every .deb fetched, with its digest; the build root’s are build-time and not in the SBOM', async () => {
    const { runId } = await pipeline.app.get(RunLauncher).launch(DEFINITION, { kind: 'manual' }, { from: 'build', to: 'sign' });
    const [run] = await fx.waitForRuns([runId], 540_000);
    expect({ state: run?.state, error: run?.error }).toEqual({ state: 'succeeded', error: undefined });
    const runDir = join(pipeline.outRoot, runId);

    const provenance = signedStatements(await readSignedArtifacts(join(runDir, 'signing', 'signed.json'))).find((s) => s.predicateType === PredicateType.slsaProvenance)?.predicate as SlsaProvenance | undefined;
    expect(provenance).toBeDefined();
    const deps = provenance?.buildDefinition.resolvedDependencies ?? [];

    // Every .deb the build fetched is in the pipeline's (fresh) content-addressed package cache.
    const cache = join(pipeline.work, 'cache', 'packages', 'sha256');
    const fetched = readdirSync(cache).filter((n) => !n.startsWith('.'));
    expect(fetched.length).toBeGreaterThan(4);
    for (const hex of fetched) {
      expect(createHash('sha256').update(readFileSync(join(cache, hex))).digest('hex')).toBe(hex);
      expect(deps.filter((d) => d.digest?.['sha256'] === hex).map((d) => d.uri)).toEqual([expect.stringMatching(/\.deb$/)]);
    }

    const buildTime = deps.filter((d) => d.annotations?.['dependencyType'] === BUILD_ROOT_DEPENDENCY);
    const names = (ds: typeof deps) => ds.map((d) => (d.name ?? '').split('_')[0]);
    expect(names(buildTime)).toEqual(expect.arrayContaining(['dash', 'coreutils', 'libc6']));
    for (const d of buildTime) expect(d.annotations?.['buildRoots']).toEqual(['contents.builds[0]']);
    const runtime = deps.slice(1).filter((d) => d.annotations?.['dependencyType'] === undefined);
    expect(names(runtime)).toEqual(expect.arrayContaining(['base-files', 'tzdata']));
    expect(names(runtime)).not.toContain('dash');

    // packages.json says the same.
    const packages = JSON.parse(readFileSync(join(runDir, 'packages.json'), 'utf8')) as { platforms: { buildRoots: { build: string; packages: { name: string; sha256: string }[] }[] }[] };
    expect(packages.platforms[0]?.buildRoots[0]?.packages.map((p) => p.sha256).sort()).toEqual(buildTime.map((d) => d.digest?.['sha256']).sort());

    // The SBOM describes the image: none of the build root's own packages.
    const sbom = JSON.parse(readFileSync(join(runDir, 'sbom', 'linux-amd64.cdx.json'), 'utf8')) as { components?: { name: string }[] };
    const inSbom = (sbom.components ?? []).map((c) => c.name);
    expect(inSbom).toContain('tzdata');
    for (const name of ['dash', 'coreutils']) expect(inSbom).not.toContain(name);
  }, 600_000);
});
