export * from './api.module';
export * from './openapi.document';
export * from './api.schemas';
export * from './api.routes';
export * from './api-responses.schemas';
