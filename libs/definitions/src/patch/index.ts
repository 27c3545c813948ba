export * from './var-change';
export * from './version-derivations';
export * from './replacement-plan';
export * from './read-vars';
export * from './patch-definition';
export * from './bot-case.schema';
export * from './bot-replay';
