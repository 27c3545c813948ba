import { bootService } from '@patch-factory/factory';

/** The orchestrator service: plans upstream events into runs; the plan, patch, review and promote stages. Its wiring (stages, executors, jobs, modules, port) is in libs/factory. */
void bootService('orchestrator');
