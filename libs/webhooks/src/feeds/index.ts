export * from './xml-text';
export * from './atom-feed';
