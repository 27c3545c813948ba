import { bootService } from '@patch-factory/factory';

/** The publisher service: the `publish` stage (the image and its evidence to its staging tag). Its wiring (stages, executors, jobs, modules, port) is in libs/factory. */
void bootService('publisher');
