// Schemas of the DHI catalog format (hand-written from spec.json and info.spec.json).
export * from './json-value.schema';
export * from './one-of.schema';
export * from './track.schema';
export * from './content-file.schema';
export * from './build-contents.schema';
export * from './pipeline-step.schema';
export * from './build-output.schema';
export * from './build.schema';
export * from './contents.schema';
export * from './accounts.schema';
export * from './path-entry.schema';
export * from './os-release.schema';
export * from './image-test.schema';
export * from './definition.schema';
export * from './info-advisory.schema';
export * from './info-metadata.schema';
export * from './info.schema';
// Parsing and validation with positions.
export * from './definitions-errors';
export * from './parse-limits';
export * from './yaml-source';
export * from './parse-yaml';
export * from './validate-source';
export * from './issue-messages';
export * from './key-path';
export * from './parse-definition';
export * from './path-safety';
// The catalog on disk.
export * from './catalog-path';
export * from './catalog-walk';
export * from './read-catalog-file';
// Catalog index and format-preserving patches (libs/definitions/src/catalog, src/patch).
export * from './catalog';
export * from './patch';
export * from './upstream';
export * from './advisory';
