import { ApiModule } from '@patch-factory/api';
import { bootstrapService } from '@patch-factory/pipeline';

/** The api service: the operator REST API with its OpenAPI document; runs no stage. */
void bootstrapService({
  service: 'api',
  defaultPort: 8080,
  pipeline: { stages: [], profile: 'producer' },
  imports: [ApiModule],
});
