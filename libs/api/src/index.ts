export * from './api.module';
export * from './openapi.document';
export * from './api.schemas';
