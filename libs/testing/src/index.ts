export * from './repo-root';
export * from './redis-server';
export * from './test-effects';
export * from './test-executors';
export * from './service-process';
export * from './wait-for';
export * from './api-client';
export * from './backbone-fixture';
