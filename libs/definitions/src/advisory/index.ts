export * from './advisory-events';
