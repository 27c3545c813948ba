import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';

/** The builder service: workers for the stages it owns (libs/pipeline STAGE_OWNER), /health and /metrics. */
void bootstrapService({
  service: 'builder',
  defaultPort: 8082,
  pipeline: { stages: stagesOwnedBy('builder') },
});
