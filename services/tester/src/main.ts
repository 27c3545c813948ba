import { CHECKING_EXECUTORS } from '@patch-factory/checking';
import { CatalogAccessModule } from '@patch-factory/patching';
import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';

/**
 * The tester service: the `test` stage (libs/checking over libs/imagetest: the definition's
 * tests and the policy checks on the built image, gated by the catalog's gates policy), reading
 * definitions and gates from the catalog (CatalogAccessModule). Serves /health and /metrics.
 */
void bootstrapService({
  service: 'tester',
  defaultPort: 8083,
  pipeline: { stages: stagesOwnedBy('tester'), executors: { test: CHECKING_EXECUTORS.test } },
  imports: [CatalogAccessModule],
});
