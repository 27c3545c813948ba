import { CHECKING_EXECUTORS } from '@patch-factory/checking';
import { CatalogAccessModule } from '@patch-factory/patching';
import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';

/**
 * The scanner service: the `scan` stage (libs/checking over libs/sbom and libs/vuln: SBOMs,
 * the vulnerability scan against PF_ADVISORY_DIR with the catalog's VEX, the image's OpenVEX,
 * gated by the catalog's gates policy), reading the catalog (CatalogAccessModule). Serves
 * /health and /metrics.
 */
void bootstrapService({
  service: 'scanner',
  defaultPort: 8084,
  pipeline: { stages: stagesOwnedBy('scanner'), executors: { scan: CHECKING_EXECUTORS.scan } },
  imports: [CatalogAccessModule],
});
