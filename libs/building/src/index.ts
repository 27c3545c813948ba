export * from './build.executor';
