import { TerminalError } from '@patch-factory/contracts';
import { ZodError } from 'zod';

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
