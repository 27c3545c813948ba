import { shown, subscriptionDisabledEvent, type CloudEventOf } from '@patch-factory/contracts';
import type { SecretKeyring } from './sealed-secret';
import { newSubscriptionSecret } from './secret-rotation';
import type { Subscription, SubscriptionInput, SubscriptionUpdate } from './subscription.schema';

/** A new, enabled subscription from checked input, and its plain secret (to show once; only the sealed one is kept). */
export function newSubscription(
  keyring: SecretKeyring,
  init: { id: string; owner: string; input: SubscriptionInput; now: number },
): { subscription: Subscription; secret: string } {
  const { secret, secrets } = newSubscriptionSecret(keyring, init.id);
  const { input } = init;
  return {
    secret,
    subscription: {
      id: init.id,
      owner: init.owner,
      url: input.url,
      description: input.description,
      eventTypes: input.eventTypes,
      images: input.images,
      tags: input.tags,
      ...(input.minSeverity ? { minSeverity: input.minSeverity } : {}),
      enabled: true,
      createdAt: init.now,
      updatedAt: init.now,
      secrets,
    },
  };
}

/** The subscription with checked changes applied (`minSeverity: null` removes it). Secrets and state are not changed here. */
export function updateSubscription(subscription: Subscription, update: SubscriptionUpdate, now: number): Subscription {
  const { minSeverity, ...rest } = update;
  const next: Subscription = { ...subscription, ...rest, updatedAt: now };
  if (minSeverity === null) delete next.minSeverity;
  else if (minSeverity !== undefined) next.minSeverity = minSeverity;
  return next;
}

/**
 * The subscription disabled at `now` for `reason` (a 410, 5 days of failures…), and the
 * `subscription.disabled` event for the owner's other subscriptions. The event names the URL's
 * host only: its path or query may hold a token. A subscription disabled already stays as it
 * is (its first reason and time) and gives the same event again, with the same id (made from
 * the subscription and the time it was disabled): a notifier that crashed between storing the
 * state and sending the event sends it on its retry, and receivers see it once per id.
 */
export function disableSubscription(
  subscription: Subscription,
  reason: string,
  now: number,
  source: string,
): { subscription: Subscription; event: CloudEventOf<'subscription.disabled'> } {
  const disabled: Subscription =
    !subscription.enabled && subscription.disabled
      ? subscription
      : {
          ...subscription,
          enabled: false,
          disabled: { reason: shown(reason.replace(/\s+/g, ' ').trim(), 1000), since: now },
          updatedAt: now,
        };
  const state = disabled.disabled as NonNullable<Subscription['disabled']>;
  const event = subscriptionDisabledEvent(
    {
      subscription: subscription.id,
      host: new URL(subscription.url).host,
      reason: state.reason,
      since: new Date(state.since).toISOString(),
    },
    { source },
  );
  return { subscription: disabled, event };
}

/** The subscription enabled again (after its owner fixed the endpoint). */
export function enableSubscription(subscription: Subscription, now: number): Subscription {
  const { disabled: _disabled, ...rest } = subscription;
  return { ...rest, enabled: true, updatedAt: now };
}
