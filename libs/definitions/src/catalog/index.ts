export * from './image-ref';
export * from './render-vars';
export * from './definition-deps';
export * from './catalog-index';
export * from './load-catalog';
export * from './load-yaml-data';
