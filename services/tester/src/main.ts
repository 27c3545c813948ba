import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';

/** The tester service: workers for the stages it owns (libs/pipeline STAGE_OWNER), /health and /metrics. */
void bootstrapService({
  service: 'tester',
  defaultPort: 8083,
  pipeline: { stages: stagesOwnedBy('tester') },
});
