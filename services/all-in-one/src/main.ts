import { bootService } from '@patch-factory/factory';

/** Every stage worker, the watcher, the event planner and the operator API in one process: the embedded default. Its wiring (stages, executors, jobs, modules, port) is in libs/factory. */
void bootService('all-in-one');
