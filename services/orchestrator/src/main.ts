import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';

/** The orchestrator service: workers for the stages it owns (libs/pipeline STAGE_OWNER), /health and /metrics. */
void bootstrapService({
  service: 'orchestrator',
  defaultPort: 8081,
  pipeline: { stages: stagesOwnedBy('orchestrator') },
});
