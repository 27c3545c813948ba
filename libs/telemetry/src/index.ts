export * from './tracing';
export * from './trace-carrier';
export * from './logger';
export * from './metrics';
export * from './file-span.exporter';
export * from './telemetry.module';
