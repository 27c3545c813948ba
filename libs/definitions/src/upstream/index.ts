export * from './image-stream';
export * from './event-changes';
export * from './plan-patch-requests';
export * from './upstream-version';
