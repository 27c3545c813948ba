/** Stable codes of the catalog as the stages reach it (rule 5 of DESIGN.md). */
export const CatalogAccessErrorCode = {
  /** PF_CATALOG_REMOTE is not set: the process does not know its definitions repository. */
  catalogNotConfigured: 'catalog-not-configured',
  /** The run's definition is not on its branch (or the default branch) of the catalog. */
  definitionMissing: 'definition-missing',
} as const;

export type CatalogAccessErrorCode = (typeof CatalogAccessErrorCode)[keyof typeof CatalogAccessErrorCode];
