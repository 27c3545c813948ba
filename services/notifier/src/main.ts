import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';

/** The notifier service: workers for the stages it owns (libs/pipeline STAGE_OWNER), /health and /metrics. */
void bootstrapService({
  service: 'notifier',
  defaultPort: 8087,
  pipeline: { stages: stagesOwnedBy('notifier') },
});
