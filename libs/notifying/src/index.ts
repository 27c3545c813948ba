// The notify stage and the webhook system around it (issue 17): events published once, fanned
// out to subscriptions, delivered with retries and a log, replayed; feeds read the same store.
export * from './notifying-errors';
export * from './webhook-keys';
export * from './webhook-clock';
export * from './webhook-settings';
export * from './event-store';
export * from './subscription.repository';
export * from './delivery.repository';
export * from './event-publisher';
export * from './delivery-dispatcher';
export * from './fan-out';
export * from './delivery-worker';
export * from './delivery-replay';
export * from './run-events';
export * from './notify.executor';
export * from './webhook.processors';
export * from './notifying.module';
