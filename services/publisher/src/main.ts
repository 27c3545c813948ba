import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';

/** The publisher service: workers for the stages it owns (libs/pipeline STAGE_OWNER), /health and /metrics. */
void bootstrapService({
  service: 'publisher',
  defaultPort: 8086,
  pipeline: { stages: stagesOwnedBy('publisher') },
});
