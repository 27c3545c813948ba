export * from './access.guard';
export * from './audit.middleware';
