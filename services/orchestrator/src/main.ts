import { PATCHING_EXECUTORS, PATCHING_JOBS, PatchingModule } from '@patch-factory/patching';
import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';
import { PUBLISHING_EXECUTORS } from '@patch-factory/publishing';

/**
 * The orchestrator service: plans upstream events (`event.upstream`) into PatchRequests
 * and runs, and runs the stages it owns (libs/pipeline STAGE_OWNER): plan, patch and review
 * over the definitions repository (libs/patching), and promote (libs/publishing: release tags
 * pointed at the staging digest, image events). Serves /health and /metrics.
 */
void bootstrapService({
  service: 'orchestrator',
  defaultPort: 8081,
  pipeline: { stages: stagesOwnedBy('orchestrator'), jobs: [...PATCHING_JOBS], executors: { ...PATCHING_EXECUTORS, promote: PUBLISHING_EXECUTORS.promote } },
  imports: [PatchingModule],
});
