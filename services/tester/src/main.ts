import { bootService } from '@patch-factory/factory';

/** The tester service: the `test` stage (image tests and policy checks, gates). Its wiring (stages, executors, jobs, modules, port) is in libs/factory. */
void bootService('tester');
