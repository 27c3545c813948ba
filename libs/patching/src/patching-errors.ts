/** Stable codes of the plan, patch and review stages (rule 5 of DESIGN.md); the catalog's own are CatalogAccessErrorCode (libs/catalog-access). */
export const PatchingErrorCode = {
  patchRequestMissing: 'patch-request-missing',
  notInPatchRequest: 'definition-not-in-patch-request',
} as const;

export type PatchingErrorCode = (typeof PatchingErrorCode)[keyof typeof PatchingErrorCode];
