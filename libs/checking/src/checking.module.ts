import { ScanExecutor } from './scan.executor';
import { TestExecutor } from './test.executor';

/** The stage executors this library implements, for a service's pipeline options (needs CatalogAccessModule, or PatchingModule which imports it, for the catalog). */
export const CHECKING_EXECUTORS = { test: TestExecutor, scan: ScanExecutor } as const;
