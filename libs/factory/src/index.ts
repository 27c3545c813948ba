export * from './factory-errors';
export * from './stage-executors.registry';
export * from './factory-services.registry';
export * from './stage-coverage';
export * from './boot-service';
