import { ApiModule } from '@patch-factory/api';
import { bootstrapService, RUN_STAGES } from '@patch-factory/pipeline';

/**
 * Every stage worker and the operator API in one process: the embedded default.
 * Stages whose implementation has not landed fail runs with `stage-not-implemented`.
 */
void bootstrapService({
  service: 'all-in-one',
  defaultPort: 8080,
  pipeline: { stages: RUN_STAGES },
  imports: [ApiModule],
});
