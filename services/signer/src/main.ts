import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';

/** The signer service: workers for the stages it owns (libs/pipeline STAGE_OWNER), /health and /metrics. */
void bootstrapService({
  service: 'signer',
  defaultPort: 8085,
  pipeline: { stages: stagesOwnedBy('signer') },
});
