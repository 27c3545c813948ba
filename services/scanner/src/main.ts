import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';

/** The scanner service: workers for the stages it owns (libs/pipeline STAGE_OWNER), /health and /metrics. */
void bootstrapService({
  service: 'scanner',
  defaultPort: 8084,
  pipeline: { stages: stagesOwnedBy('scanner') },
});
