import { bootService } from '@patch-factory/factory';

/** The signer service: the `sign` stage; the only process that reads PF_SIGNING_KEY. Its wiring (stages, executors, jobs, modules, port) is in libs/factory. */
void bootService('signer');
