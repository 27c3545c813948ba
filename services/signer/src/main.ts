import { CatalogAccessModule } from '@patch-factory/patching';
import { bootstrapService, stagesOwnedBy } from '@patch-factory/pipeline';
import { PUBLISHING_EXECUTORS } from '@patch-factory/publishing';

/**
 * The signer service: the `sign` stage (libs/publishing over libs/signing: a cosign signature,
 * DSSE attestations and Sigstore bundles for each image). The only process that reads
 * PF_SIGNING_KEY; build sandboxes never see it. Serves /health and /metrics.
 */
void bootstrapService({
  service: 'signer',
  defaultPort: 8085,
  pipeline: { stages: stagesOwnedBy('signer'), executors: { sign: PUBLISHING_EXECUTORS.sign } },
  imports: [CatalogAccessModule],
});
