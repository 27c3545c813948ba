export * from './store-keys';
export * from './run.repository';
export * from './store.module';
export * from './pull-request-links.repository';
export * from './patch-request.repository';
export * from './watch-state.repository';
export * from './advisory.repository';
export {
  API_ADVISORY_SOURCE,
  AdvisoryDocumentRefusedError,
  AdvisoryDocumentTooLargeError,
  AdvisoryFromTheFutureError,
  AdvisoryOwnedByFeedError,
  MAX_ADVISORY_CLOCK_SKEW_MS,
  MAX_ADVISORY_DOCUMENT_BYTES,
  type AdvisoryDocumentOrigin,
} from './advisory-documents';
export * from './release.repository';
export * from './access';
