import { shown } from '@patch-factory/contracts';
import { matches, type Subscription } from '@patch-factory/webhooks';
import type { DeliveryDispatcher } from './delivery-dispatcher';
import { deliveryIdOf, type DeliveryRepository } from './delivery.repository';
import type { EventStore, StoredEvent } from './event-store';
import type { SubscriptionRepository } from './subscription.repository';
import type { WebhookClock } from './webhook-clock';

/** Whether a stored event goes to a subscription: its audience (the owner's others, for `subscription.disabled`), then the subscription's filters. */
export function isRecipient(stored: StoredEvent, subscription: Subscription): boolean {
  const { audience } = stored;
  if (audience && (subscription.owner !== audience.owner || subscription.id === audience.except)) return false;
  return matches(subscription, stored.event);
}

/**
 * One event to every matching subscription: a delivery each (its id made from the event and the
 * subscription, so a fan-out run twice makes each once), dispatched at once. Each delivery then
 * lives on its own (its attempts, its endpoint's slots): a slow or dead endpoint delays no other.
 */
export class FanOut {
  constructor(
    private readonly events: EventStore,
    private readonly subscriptions: SubscriptionRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly clock: WebhookClock,
  ) {}

  async fanOut(eventId: string): Promise<string> {
    const stored = await this.events.get(eventId);
    if (!stored) return `event ${shown(eventId)} is not stored (expired): nothing to fan out`;
    const recipients = (await this.subscriptions.list()).filter((s) => isRecipient(stored, s));
    let made = 0;
    for (const s of recipients) {
      const id = deliveryIdOf(eventId, s.id);
      const fresh = await this.deliveries.create(
        {
          id,
          subscriptionId: s.id,
          eventId,
          eventType: stored.event.type,
          subject: stored.event.subject,
          messageId: eventId,
        },
        this.clock.now(),
      );
      if (fresh) made++;
      await this.dispatcher.dispatch(id);
    }
    return `${stored.event.type} ${eventId}: ${recipients.length} subscription(s), ${made} new deliver${made === 1 ? 'y' : 'ies'}`;
  }
}
