import { BuildExecutor } from './build.executor';

/** The stage executors this library implements, for a service's pipeline options (needs CatalogAccessModule, or PatchingModule which imports it, for the catalog). */
export const BUILDING_EXECUTORS = { build: BuildExecutor } as const;
