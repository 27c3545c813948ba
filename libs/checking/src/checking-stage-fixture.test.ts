// Test helpers (not a suite): the `test` and `scan` stages on the backbone, in this process — a
// Nest application with the real pipeline over real Redis, the real BuildExecutor, TestExecutor
// and ScanExecutor, and test executors for `plan` and `patch` — over a catalog origin holding
// the example catalog's static image, built against a loopback mirror of real Debian 12
// packages (libs/testing). (libs/building has the same helpers for its own specs; a lib's test
// helpers are not importable from another lib, so the few lines are repeated here.)
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BUILDING_EXECUTORS } from '@patch-factory/building';
import { loadConfig } from '@patch-factory/config';
import { CatalogAccessModule } from '@patch-factory/patching';
import { RunLauncher, newRunId, serviceModule, type StageContext, type StageExecutor, type StageResult } from '@patch-factory/pipeline';
import { createCatalogOrigin, repoRoot, startDebianMirrorFixture, type BackboneFixture, type CatalogOrigin, type DebianMirrorFixture } from '@patch-factory/testing';
import { CHECKING_EXECUTORS } from './checking.module';

export const STATIC_DEFINITION = 'image/static/debian-12/static.yaml';
const STATIC_INFO = 'image/static/info.yaml';
/** The mirror's packages: libs/building's list, so that both share one cached selection of Debian's index. */
const MIRROR_PACKAGES = ['apt', 'base-files', 'bash', 'ca-certificates', 'coreutils', 'dash', 'netbase', 'redis-server', 'redis-tools', 'tzdata'];
const DEBIAN_ARCHIVE = 'https://deb.debian.org/debian';

export function exampleText(path: string): string {
  return readFileSync(join(repoRoot(), 'examples', 'catalog', path), 'utf8');
}

/** A catalog origin (bare git repo, `main`) holding the example static definition and its info.yaml. */
export function createStaticCatalog(): CatalogOrigin {
  return createCatalogOrigin({ [STATIC_DEFINITION]: exampleText(STATIC_DEFINITION), [STATIC_INFO]: exampleText(STATIC_INFO) });
}

export interface StaticMirror {
  fixture: DebianMirrorFixture;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The loopback Debian 12 mirror (amd64, arm64) and a keyring directory naming its key as the example's signed-by= does. */
export async function startStaticMirror(): Promise<StaticMirror> {
  const fixture = await startDebianMirrorFixture({ packages: MIRROR_PACKAGES, architectures: ['amd64', 'arm64'] });
  const keyringDir = mkdtempSync(join(tmpdir(), 'pf-checking-keys-'));
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

const passExecutor: StageExecutor = { execute: (): Promise<StageResult> => Promise.resolve({ artifacts: {} }) };

function patchExecutor(branches: ReadonlyMap<string, string>): StageExecutor {
  return {
    execute: (ctx: StageContext): Promise<StageResult> => {
      const branch = branches.get(ctx.runId);
      const artifacts: Record<string, string> = branch ? { 'patch.branch': branch } : {};
      return Promise.resolve({ artifacts });
    },
  };
}

export interface CheckStage {
  /** PF_BUILD_OUT_DIR. */
  outRoot: string;
  /** PF_ADVISORY_DIR (empty at first). */
  advisoryDir: string;
  /** Starts a run of `definition` through plan → patch → build → test → scan; its patch stage records `branch` when given. */
  launch(definition: string, branch?: string): Promise<string>;
  close(): Promise<void>;
}

/** The pipeline of plan → patch → build → test → scan in this process, on the fixture's prefix, with the catalog at `origin`. */
export async function startCheckStage(fx: BackboneFixture, origin: CatalogOrigin, buildEnv: Record<string, string>): Promise<CheckStage> {
  const work = mkdtempSync(join(tmpdir(), 'pf-checking-'));
  chmodSync(work, 0o755);
  const outRoot = join(work, 'out');
  const advisoryDir = join(work, 'advisories');
  mkdirSync(advisoryDir);
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
    PF_ADVISORY_DIR: advisoryDir,
    ...buildEnv,
  });
  const branches = new Map<string, string>();
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    serviceModule(
      {
        service: 'test-checking',
        defaultPort: 0,
        pipeline: {
          stages: ['plan', 'patch', 'build', 'test', 'scan'],
          executors: { plan: passExecutor, patch: patchExecutor(branches), ...BUILDING_EXECUTORS, ...CHECKING_EXECUTORS },
        },
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
    advisoryDir,
    launch: async (definition, branch) => {
      const runId = newRunId();
      if (branch) branches.set(runId, branch);
      await launcher.launch(definition, { kind: 'manual' }, { to: 'scan' }, runId);
      return runId;
    },
    close: async () => {
      await app.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
