import { TerminalError } from '@patch-factory/contracts';
import { ZodError } from 'zod';

/** Stable codes of the plan, patch and review stages (rule 5 of DESIGN.md); the catalog's own are CatalogAccessErrorCode (libs/catalog-access). */
export const PatchingErrorCode = {
  patchRequestMissing: 'patch-request-missing',
  notInPatchRequest: 'definition-not-in-patch-request',
} as const;

export type PatchingErrorCode = (typeof PatchingErrorCode)[keyof typeof PatchingErrorCode];

export const UpstreamEventErrorCode = {
  /** The event's `ref` is not a ref (control characters, a leading `-`, `file:`…): an input error, never retried. */
  invalidRef: 'invalid-upstream-ref',
} as const;

/**
 * What reading a stored upstream event failed with: an event whose `ref` fails the ref check
 * (one stored by hand, or before the check existed) is a TerminalError naming the field, since
 * no retry can make it valid; any other error is returned unchanged.
 */
export function storedEventError(eventId: string, error: unknown): unknown {
  if (!(error instanceof ZodError)) return error;
  const issue = error.issues.find((i) => i.path[0] === 'ref');
  if (!issue) return error;
  return new TerminalError(UpstreamEventErrorCode.invalidRef, `upstream event ${eventId}: ref: ${issue.message}`);
}
