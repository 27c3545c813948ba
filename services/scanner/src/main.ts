import { bootService } from '@patch-factory/factory';

/** The scanner service: the `scan` stage (SBOMs, vulnerabilities with VEX, gates). Its wiring (stages, executors, jobs, modules, port) is in libs/factory. */
void bootService('scanner');
