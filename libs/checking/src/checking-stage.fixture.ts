// Test helpers (not a suite): the `test` and `scan` stages on the backbone, in this process
// (libs/testing's startStagePipeline): the real pipeline over real Redis, the real BuildExecutor,
// TestExecutor and ScanExecutor, test executors for `plan` and `patch`, over a catalog origin
// holding the example static image, built against a loopback mirror of real Debian 12 packages.
import { BuildExecutor } from '@patch-factory/build-stage';
import { CatalogAccessModule } from '@patch-factory/catalog-access';
import {
  branchPatchExecutor,
  passExecutor,
  startStagePipeline,
  type BackboneFixture,
  type CatalogOrigin,
} from '@patch-factory/testing';
import { ScanExecutor } from './scan.executor';
import { TestExecutor } from './test.executor';

export {
  STATIC_DEFINITION,
  createStaticCatalog,
  exampleText,
  startStaticMirror,
  type StaticMirror,
} from '@patch-factory/testing';

export interface CheckStage {
  /** PF_BUILD_OUT_DIR. */
  outRoot: string;
  /** PF_ADVISORY_DIR (empty at first). */
  advisoryDir: string;
  /** Starts a run of `definition` through plan → patch → build → test → scan; its patch stage records `branch` when given. */
  launch(definition: string, branch?: string): Promise<string>;
  close(): Promise<void>;
}

/** plan → patch → build → test → scan in this process, with the catalog at `origin` and the builder's inputs from `buildEnv`. */
export async function startCheckStage(
  fx: BackboneFixture,
  origin: CatalogOrigin,
  buildEnv: Record<string, string>,
): Promise<CheckStage> {
  const branches = new Map<string, string>();
  const pipeline = await startStagePipeline(fx, {
    service: 'test-checking',
    origin,
    branches,
    env: buildEnv,
    stages: ['plan', 'patch', 'build', 'test', 'scan'],
    executors: {
      plan: passExecutor,
      patch: branchPatchExecutor(branches),
      build: BuildExecutor,
      test: TestExecutor,
      scan: ScanExecutor,
    },
    imports: [CatalogAccessModule],
  });
  return {
    outRoot: pipeline.outRoot,
    advisoryDir: pipeline.advisoryDir,
    launch: (definition, branch) => pipeline.launch(definition, 'scan', branch),
    close: () => pipeline.close(),
  };
}
