// Test helpers: stages of the real pipeline in this process — a Nest application over real Redis
// with the production executors a test picks (and test executors for the others) — and the
// example catalog's static image with a loopback mirror of real Debian 12 packages to build it
// from. Used by the build, test/scan and sign/publish/promote stage tests.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@patch-factory/config';
import type { JobName } from '@patch-factory/contracts';
import {
  RunLauncher,
  newRunId,
  serviceModule,
  type StageExecutorBindings,
  type RunStage,
  type StageContext,
  type StageExecutor,
  type StageResult,
} from '@patch-factory/pipeline';
import type { BackboneFixture } from './backbone-fixture';
import { createCatalogOrigin, type CatalogOrigin } from './github-double/catalog-origin';
import { startDebianMirrorFixture, type DebianMirrorFixture } from './debian-mirror-fixture';
import { EXAMPLE_MIRROR_PACKAGES, exampleMirrors } from './example-mirror';
import { repoRoot } from './repo-root';

export const STATIC_DEFINITION = 'image/static/debian-12/static.yaml';
export const STATIC_INFO = 'image/static/info.yaml';

/** A file of examples/catalog. */
export function exampleText(path: string): string {
  return readFileSync(join(repoRoot(), 'examples', 'catalog', path), 'utf8');
}

/** A catalog origin (bare git repo, `main`) holding the example static definition (or `text` in its place) and its info.yaml. */
export function createStaticCatalog(text = exampleText(STATIC_DEFINITION)): CatalogOrigin {
  return createCatalogOrigin({ [STATIC_DEFINITION]: text, [STATIC_INFO]: exampleText(STATIC_INFO) });
}

export interface StaticMirror {
  fixture: DebianMirrorFixture;
  /** PF_BUILD_KEYRING_DIR and PF_BUILD_MIRRORS for the builder. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The loopback Debian 12 mirror (amd64 and arm64 by default) and a trusted-keyring directory in
 * which the mirror's key has the name the examples' `signed-by=` gives (debian-archive-keyring.gpg).
 */
export async function startStaticMirror(architectures: string[] = ['amd64', 'arm64']): Promise<StaticMirror> {
  const fixture = await startDebianMirrorFixture({ packages: [...EXAMPLE_MIRROR_PACKAGES], architectures });
  const keyringDir = mkdtempSync(join(tmpdir(), 'pf-test-keys-'));
  copyFileSync(join(fixture.keyringDir, fixture.keyringName), join(keyringDir, 'debian-archive-keyring.gpg'));
  return {
    fixture,
    env: { PF_BUILD_KEYRING_DIR: keyringDir, PF_BUILD_MIRRORS: JSON.stringify(exampleMirrors(fixture.baseUrl)) },
    close: async () => {
      await fixture.close();
      rmSync(keyringDir, { recursive: true, force: true });
    },
  };
}

/** A test stage that does nothing (`plan` of a manual run, `notify` before it lands). */
export const passExecutor: StageExecutor = { execute: (): Promise<StageResult> => Promise.resolve({ artifacts: {} }) };

/** `patch` as a test stage: records `patch.branch` for the runs given one in `branches`. */
export function branchPatchExecutor(branches: ReadonlyMap<string, string>): StageExecutor {
  return {
    execute: (ctx: StageContext): Promise<StageResult> => {
      const branch = branches.get(ctx.runId);
      const artifacts: Record<string, string> = branch ? { 'patch.branch': branch } : {};
      return Promise.resolve({ artifacts });
    },
  };
}

export interface StagePipelineOptions {
  service: string;
  stages: readonly RunStage[];
  executors: StageExecutorBindings;
  jobs?: readonly JobName[];
  imports: ModuleMetadata['imports'];
  /** The catalog the stages read. */
  origin: CatalogOrigin;
  /** More configuration (the mirror's, a registry, a key…). */
  env?: Record<string, string>;
  /** Where launch() records the branch given to a run (pass the map of your branchPatchExecutor). */
  branches?: Map<string, string>;
}

export interface StagePipeline {
  app: INestApplicationContext;
  /** A fresh directory of this pipeline (removed on close), mode 0755 so that sandboxed users can read below it. */
  work: string;
  /** PF_BUILD_OUT_DIR: each run's files are under `<outRoot>/<runId>/`. */
  outRoot: string;
  /** PF_ADVISORY_DIR (empty at first). */
  advisoryDir: string;
  /** Starts a manual run of `definition` up to stage `to`; `branch` is what a branchPatchExecutor records for it. */
  launch(definition: string, to: RunStage, branch?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real pipeline for `stages` in this process, on the fixture's Redis prefix, with the catalog
 * at `origin` (PF_CATALOG_*), a build cache, output and advisory directory of its own, quiet logs.
 */
export async function startStagePipeline(fx: BackboneFixture, opts: StagePipelineOptions): Promise<StagePipeline> {
  const work = mkdtempSync(join(tmpdir(), `pf-${opts.service}-`));
  chmodSync(work, 0o755);
  const outRoot = join(work, 'out');
  const advisoryDir = join(work, 'advisories');
  const config = loadConfig({
    ...process.env,
    PF_PREFIX: fx.prefix,
    PF_REDIS_URL: fx.redisUrl,
    PF_LOG_LEVEL: 'error',
    PF_TRACES_EXPORTER: 'none',
    PF_CATALOG_REMOTE: opts.origin.dir,
    PF_CATALOG_WORKDIR: join(work, 'catalog.git'),
    PF_BUILD_CACHE_DIR: join(work, 'cache'),
    PF_BUILD_OUT_DIR: outRoot,
    PF_ADVISORY_DIR: advisoryDir,
    ...opts.env,
  });
  mkdirSync(advisoryDir);
  const app = await NestFactory.createApplicationContext(
    serviceModule(
      {
        service: opts.service,
        defaultPort: 0,
        pipeline: { stages: opts.stages, executors: opts.executors, ...(opts.jobs ? { jobs: opts.jobs } : {}) },
        imports: opts.imports,
      },
      config,
    ),
    { logger: ['error', 'warn'] },
  ).catch((error: unknown) => {
    rmSync(work, { recursive: true, force: true });
    throw error;
  });
  const launcher = app.get(RunLauncher);
  const branches = opts.branches ?? new Map<string, string>();
  return {
    app,
    work,
    outRoot,
    advisoryDir,
    launch: async (definition, to, branch) => {
      const runId = newRunId();
      if (branch) branches.set(runId, branch);
      await launcher.launch(definition, { kind: 'manual' }, { to }, runId);
      return runId;
    },
    close: async () => {
      await app.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
