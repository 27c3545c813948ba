import { ApiModule } from '@patch-factory/api';
import { BUILDING_EXECUTORS } from '@patch-factory/building';
import { CHECKING_EXECUTORS } from '@patch-factory/checking';
import { PATCHING_EXECUTORS, PATCHING_JOBS, PatchingModule } from '@patch-factory/patching';
import { bootstrapService, RUN_STAGES } from '@patch-factory/pipeline';
import { PUBLISHING_EXECUTORS } from '@patch-factory/publishing';
import { WatchingModule } from '@patch-factory/watching';

/**
 * Every stage worker, the watcher, the event planner and the operator API in one process: the embedded
 * default. The notify stage has not landed: it fails runs with `stage-not-implemented`.
 */
void bootstrapService({
  service: 'all-in-one',
  defaultPort: 8080,
  pipeline: { stages: RUN_STAGES, jobs: [...PATCHING_JOBS, 'watch.poll'], executors: { ...PATCHING_EXECUTORS, ...BUILDING_EXECUTORS, ...CHECKING_EXECUTORS, ...PUBLISHING_EXECUTORS } },
  imports: [ApiModule, PatchingModule, WatchingModule],
});
