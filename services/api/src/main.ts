import { bootService } from '@patch-factory/factory';

/** The api service: the operator REST API with its OpenAPI document; runs no stage. Its wiring (stages, executors, jobs, modules, port) is in libs/factory. */
void bootService('api');
