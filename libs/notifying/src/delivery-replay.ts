import type { DeliveryDispatcher } from './delivery-dispatcher';
import { replayDeliveryId, type DeliveryRecord, type DeliveryRepository } from './delivery.repository';
import type { EventStore } from './event-store';
import { NotifyingErrorCode, notifyingError } from './notifying-errors';
import type { SubscriptionRepository } from './subscription.repository';
import type { WebhookClock } from './webhook-clock';

/** At most this many deliveries are replayed by one request. */
export const MAX_REPLAY = 1000;

/**
 * Sends deliveries again: each replay is a new delivery (its own attempts and log) of the same
 * message, with the same `webhook-id`, to the subscription as it is now (its URL and secrets).
 * A disabled subscription is refused: enable it first, since it would cancel the replay at once.
 */
export class DeliveryReplay {
  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly subscriptions: SubscriptionRepository,
    private readonly events: EventStore,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly clock: WebhookClock,
  ) {}

  /** Replays one delivery by id; the new delivery. */
  async replayOne(deliveryId: string): Promise<DeliveryRecord> {
    const original = await this.deliveries.require(deliveryId);
    await this.checkSubscription(original.subscriptionId);
    return this.replay(original);
  }

  /** Replays every delivery of a subscription made at or after `since` (ms; at most MAX_REPLAY, oldest first). */
  async replaySince(subscriptionId: string, since: number): Promise<DeliveryRecord[]> {
    const now = this.clock.now();
    if (!Number.isSafeInteger(since) || since < 0 || since > now)
      throw notifyingError(NotifyingErrorCode.replayInvalid, 'since', `must be a time in the past, not ${since}`);
    await this.checkSubscription(subscriptionId);
    const ids = await this.deliveries.idsOfSince(subscriptionId, since, MAX_REPLAY);
    const out: DeliveryRecord[] = [];
    for (const id of ids) {
      const original = await this.deliveries.get(id);
      // Replays made by this request (or an earlier one) are not replayed again.
      if (!original || original.replayOf) continue;
      if (!(await this.events.get(original.eventId))) continue;
      out.push(await this.replay(original));
    }
    return out;
  }

  private async checkSubscription(id: string): Promise<void> {
    const subscription = await this.subscriptions.require(id);
    if (!subscription.enabled)
      throw notifyingError(
        NotifyingErrorCode.replayInvalid,
        `subscription ${id}`,
        'is disabled: enable it (update it) before replaying its deliveries',
      );
  }

  private async replay(original: DeliveryRecord): Promise<DeliveryRecord> {
    if (!(await this.events.get(original.eventId)))
      throw notifyingError(
        NotifyingErrorCode.eventExpired,
        `delivery ${original.id}`,
        `its event ${original.eventId} is no longer stored (events are kept 30 days)`,
      );
    const id = replayDeliveryId();
    await this.deliveries.create(
      {
        id,
        subscriptionId: original.subscriptionId,
        eventId: original.eventId,
        eventType: original.eventType,
        subject: original.subject,
        messageId: original.messageId,
        replayOf: original.id,
      },
      this.clock.now(),
    );
    await this.dispatcher.dispatch(id);
    return this.deliveries.require(id);
  }
}
