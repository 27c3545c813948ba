// Test helpers (not a suite): the `build` stage on the backbone, in this process (libs/testing's
// startStagePipeline): the real pipeline over real Redis, the BuildExecutor for `build`, test
// executors for `plan` and `patch`, over a catalog origin holding the example static image,
// built against a loopback mirror of real Debian 12 packages.
import { CatalogAccessModule } from '@patch-factory/catalog-access';
import {
  branchPatchExecutor,
  passExecutor,
  startStagePipeline,
  type BackboneFixture,
  type CatalogOrigin,
} from '@patch-factory/testing';
import { BuildExecutor } from './build.executor';

export {
  STATIC_DEFINITION,
  createStaticCatalog,
  exampleText,
  startStaticMirror,
  type StaticMirror,
} from '@patch-factory/testing';

export interface BuildStage {
  /** PF_BUILD_OUT_DIR: each run's outputs are under `<outRoot>/<runId>/`. */
  outRoot: string;
  /** Starts a run of `definition` through plan → patch → build; its patch stage records `branch` when given. */
  launch(definition: string, branch?: string): Promise<string>;
  close(): Promise<void>;
}

/** plan → patch → build in this process, with the catalog at `origin` and the builder's inputs from `buildEnv` (the mirror's). */
export async function startBuildStage(
  fx: BackboneFixture,
  origin: CatalogOrigin,
  buildEnv: Record<string, string>,
): Promise<BuildStage> {
  const branches = new Map<string, string>();
  const pipeline = await startStagePipeline(fx, {
    service: 'test-building',
    origin,
    branches,
    env: buildEnv,
    // As services/builder: the catalog alone (CatalogAccessModule), no `event.upstream` handler.
    stages: ['plan', 'patch', 'build'],
    executors: { plan: passExecutor, patch: branchPatchExecutor(branches), build: BuildExecutor },
    imports: [CatalogAccessModule],
  });
  return {
    outRoot: pipeline.outRoot,
    launch: (definition, branch) => pipeline.launch(definition, 'build', branch),
    close: () => pipeline.close(),
  };
}
