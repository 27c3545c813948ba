// Test helpers (not a suite): the `build` stage on the backbone, in this process — a Nest
// application with the real pipeline over real Redis, the BuildExecutor for `build`, and
// test executors for `plan` and `patch` — over a catalog origin holding the example catalog's
// static image, built against a loopback mirror of real Debian 12 packages (libs/testing).
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@patch-factory/config';
import { CatalogAccessModule } from '@patch-factory/patching';
import { RunLauncher, newRunId, serviceModule, type StageContext, type StageExecutor, type StageResult } from '@patch-factory/pipeline';
import { createCatalogOrigin, repoRoot, startDebianMirrorFixture, type BackboneFixture, type CatalogOrigin, type DebianMirrorFixture } from '@patch-factory/testing';
import { BUILDING_EXECUTORS } from './building.module';

export const STATIC_DEFINITION = 'image/static/debian-12/static.yaml';
export const STATIC_INFO = 'image/static/info.yaml';

/**
 * What the mirror holds: the example catalog's packages (the list libs/builder's example
 * tests use, so that both share one cached selection of Debian's index).
 */
const MIRROR_PACKAGES = ['apt', 'base-files', 'bash', 'ca-certificates', 'coreutils', 'dash', 'netbase', 'redis-server', 'redis-tools', 'tzdata'];
/** The archive the examples name; the builder is told to fetch it from the mirror. */
const DEBIAN_ARCHIVE = 'https://deb.debian.org/debian';

/** A file of examples/catalog. */
export function exampleText(path: string): string {
  return readFileSync(join(repoRoot(), 'examples', 'catalog', path), 'utf8');
}

/** A catalog origin (bare git repo, `main`) holding the example static definition and its info.yaml. */
export function createStaticCatalog(): CatalogOrigin {
  return createCatalogOrigin({ [STATIC_DEFINITION]: exampleText(STATIC_DEFINITION), [STATIC_INFO]: exampleText(STATIC_INFO) });
}

export interface StaticMirror {
  fixture: DebianMirrorFixture;
  /** PF_BUILD_KEYRING_DIR and PF_BUILD_MIRRORS for the builder. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The loopback Debian 12 mirror (amd64, arm64) and a trusted-keyring directory in which the
 * mirror's key has the name the example's `signed-by=` gives (debian-archive-keyring.gpg).
 */
export async function startStaticMirror(): Promise<StaticMirror> {
  const fixture = await startDebianMirrorFixture({ packages: MIRROR_PACKAGES, architectures: ['amd64', 'arm64'] });
  const keyringDir = mkdtempSync(join(tmpdir(), 'pf-building-keys-'));
  copyFileSync(join(fixture.keyringDir, fixture.keyringName), join(keyringDir, 'debian-archive-keyring.gpg'));
  return {
    fixture,
    env: { PF_BUILD_KEYRING_DIR: keyringDir, PF_BUILD_MIRRORS: JSON.stringify({ [DEBIAN_ARCHIVE]: fixture.baseUrl }) },
    close: async () => {
      await fixture.close();
      rmSync(keyringDir, { recursive: true, force: true });
    },
  };
}

/** `plan` as a test stage: nothing to plan. */
const passExecutor: StageExecutor = {
  execute: (): Promise<StageResult> => Promise.resolve({ artifacts: {} }),
};

/** `patch` as a test stage: records `patch.branch` for the runs the test gave a branch. */
function patchExecutor(branches: ReadonlyMap<string, string>): StageExecutor {
  return {
    execute: (ctx: StageContext): Promise<StageResult> => {
      const branch = branches.get(ctx.runId);
      const artifacts: Record<string, string> = branch ? { 'patch.branch': branch } : {};
      return Promise.resolve({ artifacts });
    },
  };
}

export interface BuildStage {
  /** PF_BUILD_OUT_DIR: each run's outputs are under `<outRoot>/<runId>/`. */
  outRoot: string;
  /** Starts a run of `definition` through plan → patch → build; its patch stage records `branch` when given. */
  launch(definition: string, branch?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The pipeline of plan → patch → build in this process, on the fixture's Redis prefix, with the
 * catalog at `origin` and the builder's inputs from `buildEnv` (the mirror's).
 */
export async function startBuildStage(fx: BackboneFixture, origin: CatalogOrigin, buildEnv: Record<string, string>): Promise<BuildStage> {
  const work = mkdtempSync(join(tmpdir(), 'pf-building-'));
  const outRoot = join(work, 'out');
  const config = loadConfig({
    ...process.env,
    PF_PREFIX: fx.prefix,
    PF_REDIS_URL: fx.redisUrl,
    PF_LOG_LEVEL: 'error',
    PF_TRACES_EXPORTER: 'none',
    PF_CATALOG_REMOTE: origin.dir,
    PF_CATALOG_WORKDIR: join(work, 'catalog.git'),
    PF_BUILD_CACHE_DIR: join(work, 'cache'),
    PF_BUILD_OUT_DIR: outRoot,
    ...buildEnv,
  });
  const branches = new Map<string, string>();
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    serviceModule(
      {
        service: 'test-building',
        defaultPort: 0,
        // As services/builder: the catalog alone (CatalogAccessModule), no `event.upstream` handler.
        pipeline: { stages: ['plan', 'patch', 'build'], executors: { plan: passExecutor, patch: patchExecutor(branches), ...BUILDING_EXECUTORS } },
        imports: [CatalogAccessModule],
      },
      config,
    ),
    { logger: ['error', 'warn'] },
  ).catch((error: unknown) => {
    rmSync(work, { recursive: true, force: true });
    throw error;
  });
  const launcher = app.get(RunLauncher);
  return {
    outRoot,
    launch: async (definition, branch) => {
      const runId = newRunId();
      if (branch) branches.set(runId, branch);
      await launcher.launch(definition, { kind: 'manual' }, { to: 'build' }, runId);
      return runId;
    },
    close: async () => {
      await app.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
