import { bootService } from '@patch-factory/factory';

/** The watcher service: polls upstream sources and advisory feeds (`watch.poll`) and records new versions as events. Its wiring (stages, executors, jobs, modules, port) is in libs/factory. */
void bootService('watcher');
