export * from './loopback';
export * from './bounded-body';
export * from './bounded-get';
