import { PromoteExecutor } from './promote.executor';
import { PublishExecutor } from './publish.executor';
import { SignExecutor } from './sign.executor';

/**
 * The stage executors of this library, for a service's pipeline options: `sign` (signer),
 * `publish` (publisher) and `promote` (orchestrator). They need CatalogAccessModule (or
 * PatchingModule, which imports it) for the catalog.
 */
export const PUBLISHING_EXECUTORS = { sign: SignExecutor, publish: PublishExecutor, promote: PromoteExecutor } as const;
