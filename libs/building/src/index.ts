export * from './build.executor';
export * from './building.module';
