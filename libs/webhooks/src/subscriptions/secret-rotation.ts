import { generateSecret } from '../delivery/standard-webhooks-signature';
import { webhooksError, WebhooksErrorCode } from '../webhooks-errors';
import { openSecret, sealSecret, type SecretKeyring } from './sealed-secret';
import type { Subscription } from './subscription.schema';

/** How long the secret before a rotation keeps signing deliveries, by default: 24 hours. */
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
const MAX_ROTATION_OVERLAP_MS = 7 * 24 * 60 * 60 * 1000;

/** A new subscription's secret (`whsec_` + 32 random bytes): the plain one (to show once) and the sealed one (to store). */
export function newSubscriptionSecret(
  keyring: SecretKeyring,
  subscriptionId: string,
): { secret: string; secrets: Subscription['secrets'] } {
  const secret = generateSecret();
  return { secret, secrets: { current: sealSecret(keyring, subscriptionId, secret) } };
}

/**
 * Rotates the subscription's secret at `now`: a new current secret, the old current kept as
 * `previous` until `now + overlapMs` (at most 7 days), so that during the overlap deliveries
 * carry both signatures and receivers can switch at their pace; after it, only the new one. A
 * second rotation within an overlap drops the older previous secret at once (two at most).
 * Returns the updated subscription and the new plain secret (to show once).
 */
export function rotateSecret(
  keyring: SecretKeyring,
  subscription: Subscription,
  now: number,
  overlapMs: number = DEFAULT_ROTATION_OVERLAP_MS,
): { subscription: Subscription; secret: string } {
  if (!Number.isSafeInteger(overlapMs) || overlapMs < 0 || overlapMs > MAX_ROTATION_OVERLAP_MS)
    throw webhooksError(
      WebhooksErrorCode.subscriptionInvalid,
      `subscription ${subscription.id}`,
      `a rotation overlap is 0 to ${MAX_ROTATION_OVERLAP_MS} ms, not ${overlapMs}`,
    );
  const secret = generateSecret();
  const secrets: Subscription['secrets'] = {
    current: sealSecret(keyring, subscription.id, secret),
    ...(overlapMs > 0 ? { previous: { sealed: subscription.secrets.current, expiresAt: now + overlapMs } } : {}),
  };
  return { subscription: { ...subscription, secrets, updatedAt: now }, secret };
}

/** The sealed secrets that sign a delivery made at `now`: the current one, and the previous one until its overlap ends. */
export function activeSecrets(subscription: Pick<Subscription, 'secrets'>, now: number): string[] {
  const { current, previous } = subscription.secrets;
  return previous && now < previous.expiresAt ? [current, previous.sealed] : [current];
}

/** `activeSecrets`, opened: the plain secrets a delivery at `now` is signed with (never log them). */
export function openActiveSecrets(
  keyring: SecretKeyring,
  subscription: Pick<Subscription, 'id' | 'secrets'>,
  now: number,
): string[] {
  return activeSecrets(subscription, now).map((sealed) => openSecret(keyring, subscription.id, sealed));
}
