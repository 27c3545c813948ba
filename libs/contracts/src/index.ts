export * from './stage-name';
export * from './queue-name';
export * from './ids.schema';
export * from './stage-job.schema';
export * from './dead-letter.schema';
export * from './job-catalog';
export * from './errors';
export * from './pipeline-run.schema';
