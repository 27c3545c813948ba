import { BUILDING_EXECUTORS } from '@patch-factory/building';
import { CatalogAccessModule } from '@patch-factory/patching';
import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';

/**
 * The builder service: the `build` stage (libs/building over libs/builder: definitions into
 * reproducible OCI image layouts, without a Docker engine), reading definitions from the catalog
 * (CatalogAccessModule). Serves /health and /metrics.
 */
void bootstrapService({
  service: 'builder',
  defaultPort: 8082,
  pipeline: { stages: stagesOwnedBy('builder'), executors: BUILDING_EXECUTORS },
  imports: [CatalogAccessModule],
});
