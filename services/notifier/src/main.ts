import { bootService } from '@patch-factory/factory';

/** The notifier service: the `notify` stage (not implemented yet: it fails runs with `stage-not-implemented`). Its wiring (stages, executors, jobs, modules, port) is in libs/factory. */
void bootService('notifier');
