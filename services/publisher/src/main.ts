import { CatalogAccessModule } from '@patch-factory/patching';
import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';
import { PUBLISHING_EXECUTORS } from '@patch-factory/publishing';

/**
 * The publisher service: the `publish` stage (libs/publishing over libs/oci: the image, its
 * signatures and attestations pushed to its staging tag in PF_REGISTRY_URL). Serves /health and /metrics.
 */
void bootstrapService({
  service: 'publisher',
  defaultPort: 8086,
  pipeline: { stages: stagesOwnedBy('publisher'), executors: { publish: PUBLISHING_EXECUTORS.publish } },
  imports: [CatalogAccessModule],
});
