import { bootService } from '@patch-factory/factory';

/** The builder service: the `build` stage, reading definitions from the catalog. Its wiring (stages, executors, jobs, modules, port) is in libs/factory. */
void bootService('builder');
