export * from './glob-match';
export * from './subscription.schema';
export * from './subscription-filter';
export * from './sealed-secret';
export * from './secret-rotation';
export * from './subscription-lifecycle';
