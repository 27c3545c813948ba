export * from './advisory-feed';
export * from './feed-input';
export * from './osv-feed';
export * from './debian-tracker-feed';
export * from './feed-registry';
export * from './unfixed-advisory';
export * from './security-update-severity';
