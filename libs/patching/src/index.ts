export * from './patching-errors';
export * from './read-catalog';
export * from './upstream-planner.service';
export * from './upstream-event.processor';
export * from './plan.executor';
export * from './patch.executor';
export * from './review.executor';
export * from './patching.module';
