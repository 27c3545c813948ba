/** Stable kebab-case codes of the failures this lib raises (rule 5 of DESIGN.md). */
export const SourceErrorCode = {
  /** No source serves this track type. */
  unknownKind: 'source-unknown-kind',
  /** A track entry is malformed (a field, a `match` pattern, a remote URL). */
  invalidConfig: 'source-invalid-config',
  /** The upstream's rate limit is exhausted: retry after the reset it announced. */
  rateLimited: 'source-rate-limited',
  /** The upstream failed or could not be reached (5xx, network, git failure): may pass. */
  unavailable: 'source-unavailable',
  /** The upstream refused the credentials (401/403). */
  auth: 'source-auth',
  /** The repository does not exist or cannot be seen (404). */
  notFound: 'source-not-found',
} as const;
