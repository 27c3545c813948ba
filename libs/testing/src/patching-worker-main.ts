import { PATCHING_JOBS, PatchExecutor, PatchingModule, PlanExecutor, ReviewExecutor } from '@patch-factory/patching';
import { bootstrapService, RUN_STAGES, type RunStage } from '@patch-factory/pipeline';
import { CountingExecutor } from './test-executors';

/**
 * A worker process for end-to-end tests of the orchestrator's patching: the real plan,
 * patch and review executors and the `event.upstream` planner (libs/patching), and the
 * test CountingExecutor for the stages that have not landed yet (build … publish, promote,
 * notify), so that runs can go all the way through.
 */
const executors = Object.fromEntries(RUN_STAGES.map((s) => [s, CountingExecutor])) as Record<
  RunStage,
  typeof CountingExecutor
>;
void bootstrapService({
  service: process.env['PF_TEST_SERVICE'] ?? 'test-patching-worker',
  defaultPort: 0,
  pipeline: {
    stages: RUN_STAGES,
    jobs: [...PATCHING_JOBS],
    executors: { ...executors, plan: PlanExecutor, patch: PatchExecutor, review: ReviewExecutor },
  },
  imports: [PatchingModule],
});
