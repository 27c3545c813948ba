import { shown, TerminalError } from '@patch-factory/contracts';

/** Stable kebab-case codes of the notify stage and the webhook system around it (rule 5 of DESIGN.md). */
export const NotifyingErrorCode = {
  /** PF_WEBHOOK_SECRET_KEYS is not set: a subscription's secret cannot be sealed or opened. */
  secretKeysMissing: 'webhook-secret-keys-missing',
  /** No subscription with this id. */
  subscriptionNotFound: 'webhook-subscription-not-found',
  /** No delivery with this id. */
  deliveryNotFound: 'webhook-delivery-not-found',
  /** A delivery whose event is no longer stored (older than the event retention): it cannot be sent again. */
  eventExpired: 'webhook-event-expired',
  /** A stored subscription, delivery or event that does not parse (Redis written by something else). */
  recordInvalid: 'webhook-record-invalid',
  /** A replay's `since` that is not a time in the past. */
  replayInvalid: 'webhook-replay-invalid',
} as const;

export type NotifyingErrorCode = (typeof NotifyingErrorCode)[keyof typeof NotifyingErrorCode];

/** A TerminalError whose message starts with where the problem is. */
export function notifyingError(code: NotifyingErrorCode, where: string, message: string): TerminalError {
  return new TerminalError(code, `${shown(where, 200)}: ${message}`);
}
