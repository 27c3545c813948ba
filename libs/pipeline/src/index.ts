export * from './transitions';
export * from './job-options';
export * from './stage-executor';
export * from './direct-stage-context';
export * from './progress-reporter';
export * from './not-implemented.executor';
export * from './stage-runner';
export * from './run-reconciler';
export * from './run-launcher';
export * from './run-id';
export * from './run-dead-letter.hooks';
export * from './stage-processor.factory';
export * from './pipeline.module';
export * from './service-bootstrap';
export * from './run-artifacts';
export * from './superseding-runs';

// Access (tokens, scopes) lives with the store; re-exported here for the services' code.
export {
  principalOf,
  setPrincipal,
  hasScope,
  SCOPES,
  ROLES,
  type Principal,
  type Scope,
  type Role,
} from '@patch-factory/store';
export * from './access';
