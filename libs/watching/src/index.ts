export * from './watch-poller';
export * from './watching.module';
export * from './advisory-poller';
export * from './version-order';
export * from './catalog-watch-targets';
export * from './watch-target-set';
export * from './watch-schedules';
