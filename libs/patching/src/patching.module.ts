import { Global, Module } from '@nestjs/common';
import { CatalogAccessModule } from '@patch-factory/catalog-access';
import { PlanningBatchProcessor } from './planning-batch.processor';
import { ReviewReporter } from './review-reporter';
import { RunFailedProcessor } from './run-failed.processor';
import { UpstreamEventProcessor } from './upstream-event.processor';
import { UpstreamPlanner } from './upstream-planner.service';

/**
 * The orchestrator's patching: the `event.upstream` handler and the plan, patch and review
 * executors (bound to their stages in STAGE_EXECUTORS, libs/factory), over the definitions repository.
 */
@Global()
@Module({
  imports: [CatalogAccessModule],
  providers: [UpstreamPlanner, UpstreamEventProcessor, PlanningBatchProcessor, ReviewReporter, RunFailedProcessor],
  exports: [UpstreamPlanner, ReviewReporter],
})
export class PatchingModule {}

/** The jobs besides its stages that a service with PatchingModule owns (their handlers come with it). */
export const PATCHING_JOBS = ['event.upstream', 'event.planning-batch', 'run.failed'] as const;
