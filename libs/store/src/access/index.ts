export * from './principal';
export * from './access.decorators';
export * from './api-token.repository';
export * from './request-rate-limiter';
export * from './audit-log.repository';
