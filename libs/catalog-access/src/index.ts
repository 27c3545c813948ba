export * from './catalog-access-errors';
export * from './catalog-access';
export * from './catalog-access.module';
export * from './run-definition';
export * from './run-out-root';
