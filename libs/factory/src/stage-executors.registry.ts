import { BuildExecutor } from '@patch-factory/build-stage';
import { ScanExecutor, TestExecutor } from '@patch-factory/checking';
import { PatchExecutor, PlanExecutor, ReviewExecutor } from '@patch-factory/patching';
import { NotifyExecutor } from '@patch-factory/notifying';
import type { ExecutorBinding, RunStage } from '@patch-factory/pipeline';
import { PromoteExecutor, PublishExecutor, SignExecutor } from '@patch-factory/publishing';

/**
 * The stages whose implementation has not landed: bound to NotImplementedExecutor ON PURPOSE,
 * so that a run reaching them fails loudly with `stage-not-implemented`. Boot refuses any other
 * stage bound to it (assertStagesHaveExecutors), so a stage cannot slip into this state.
 */
export const NOT_YET_IMPLEMENTED_STAGES: readonly RunStage[] = [];

/**
 * THE executor of every stage of a run, in one map (the registry; compare Renovate's
 * lib/modules/platform/api.ts). A service runs the stages it owns (STAGE_OWNER, libs/pipeline)
 * with the executors named here; the stage libraries export only their executor classes.
 * Total over RunStage: a new stage without an entry here does not compile.
 */
export const STAGE_EXECUTORS: { readonly [S in RunStage]: ExecutorBinding<S> } = {
  plan: PlanExecutor,
  patch: PatchExecutor,
  build: BuildExecutor,
  test: TestExecutor,
  scan: ScanExecutor,
  sign: SignExecutor,
  publish: PublishExecutor,
  review: ReviewExecutor,
  promote: PromoteExecutor,
  notify: NotifyExecutor,
};
