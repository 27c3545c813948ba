export * from './watch-target.schema';
export * from './watch-poller';
export * from './watching.module';
export * from './advisory-poller';
