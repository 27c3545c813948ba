import { ApiModule } from '@patch-factory/api';
import { PATCHING_EXECUTORS, PatchingModule } from '@patch-factory/patching';
import { bootstrapService, RUN_STAGES } from '@patch-factory/pipeline';

/**
 * Every stage worker, the event planner and the operator API in one process: the embedded
 * default. Stages whose implementation has not landed fail runs with `stage-not-implemented`.
 */
void bootstrapService({
  service: 'all-in-one',
  defaultPort: 8080,
  pipeline: { stages: RUN_STAGES, jobs: ['event.upstream'], executors: PATCHING_EXECUTORS },
  imports: [ApiModule, PatchingModule],
});
