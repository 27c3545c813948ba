import { PipelineError, type WebhookDeliverJob } from '@patch-factory/contracts';
import {
  WebhooksErrorCode,
  deliverOnce,
  openActiveSecrets,
  retryDelay,
  shouldDisableEndpoint,
  signedHeaders,
  type AttemptResult,
  type Subscription,
} from '@patch-factory/webhooks';
import type { Logger } from '@patch-factory/telemetry';
import { attemptRecordOf, type DeliveryRecord, type DeliveryRepository } from './delivery.repository';
import type { DeliveryDispatcher } from './delivery-dispatcher';
import type { EventPublisher } from './event-publisher';
import type { EventStore } from './event-store';
import { NotifyingErrorCode } from './notifying-errors';
import type { SubscriptionRepository } from './subscription.repository';
import type { WebhookClock } from './webhook-clock';
import type { WebhookSettings } from './webhook-settings';

/**
 * A delivery whose endpoint has every slot taken waits on the endpoint's list and is dispatched
 * the moment a slot is released; should that hand-off be lost (a notifier killed), it is due again
 * after this long.
 */
export const ENDPOINT_BUSY_FALLBACK_MS = 2_000;
/** A delivery that cannot be signed (PF_WEBHOOK_SECRET_KEYS missing or without the key that sealed its secret) is tried again after this long. */
export const SIGNING_KEY_RETRY_MS = 5 * 60_000;
/** The codes of a secret that cannot be opened with the configured keys: the operator's to fix, nothing is lost meanwhile. */
const KEY_PROBLEMS: ReadonlySet<string> = new Set([
  NotifyingErrorCode.secretKeysMissing,
  WebhooksErrorCode.sealedSecretUnknownKey,
  WebhooksErrorCode.sealedSecretOpenFailed,
  WebhooksErrorCode.sealedSecretInvalid,
]);
/** The media type of a delivery: a CloudEvent in structured mode (JSON). */
export const DELIVERY_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

/** How one attempt can go wrong besides the receiver's answer: a function of its own so tests can reach it. */
export type AttemptFn = typeof deliverOnce;

/**
 * One attempt of one delivery (the `webhook.deliver` job): checks the job is current (its
 * ticket), the subscription still enabled and the event still stored; takes a slot of the
 * endpoint (at most PF_WEBHOOK_ENDPOINT_CONCURRENCY in flight, across notifiers, so a slow
 * endpoint holds a bounded share of the workers and delays nobody else); signs with every active
 * secret; makes the attempt over a pinned connection (deliverOnce); records it and what comes
 * next: delivered, another attempt on the retry schedule (or a receiver's longer Retry-After), or
 * the end: failed after the last attempt, or the subscription disabled (410, or failing for five
 * days), which tells the owner's other subscriptions (`subscription.disabled`).
 *
 * At least once: a notifier killed mid-attempt leaves the job to be taken again (BullMQ's stalled
 * check) or the due entry to be claimed again; the receiver may then get the same attempt twice,
 * always with the same `webhook-id`. The record is fenced by the ticket, so it is written once.
 */
export class DeliveryWorker {
  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly subscriptions: SubscriptionRepository,
    private readonly events: EventStore,
    private readonly publisher: EventPublisher,
    private readonly settings: WebhookSettings,
    private readonly clock: WebhookClock,
    private readonly logger: Logger,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly attemptFn: AttemptFn = deliverOnce,
  ) {}

  async deliver(job: WebhookDeliverJob): Promise<string> {
    const { deliveryId, ticket } = job;
    const delivery = await this.deliveries.get(deliveryId);
    if (delivery?.disablesSubscription && delivery.ticket === ticket) return this.finishDisabling(delivery);
    if (!delivery || delivery.state !== 'pending')
      return `delivery ${deliveryId}: ${delivery?.state ?? 'gone'}, nothing to do`;
    // A job of an earlier claim (its lease ended and the delivery was claimed again): the current
    // job makes the attempt; this one must not send it a second time.
    if (delivery.ticket !== ticket)
      return `delivery ${deliveryId}: job of ticket ${ticket} is stale (current ${delivery.ticket}), nothing to do`;
    const subscription = await this.subscriptions.get(delivery.subscriptionId);
    if (!subscription || !subscription.enabled) {
      const reason = subscription
        ? `subscription disabled: ${subscription.disabled?.reason ?? ''}`
        : 'subscription deleted';
      await this.deliveries.record(deliveryId, ticket, this.clock.now(), { state: 'cancelled', reason });
      return `delivery ${deliveryId}: cancelled (${reason})`;
    }
    const slot = `${deliveryId}.${ticket}`;
    const started = this.clock.now();
    const waiter = { deliveryId, ticket, fallbackAt: started + ENDPOINT_BUSY_FALLBACK_MS };
    const cap = this.settings.endpointConcurrency;
    if (!(await this.deliveries.acquireEndpointSlot(subscription.id, slot, started, cap, waiter)))
      return `delivery ${deliveryId}: endpoint busy (${cap} in flight), waits for a slot`;
    let next: string | undefined;
    try {
      return await this.attemptAndSettle(subscription, delivery, ticket, started);
    } finally {
      next = await this.deliveries.releaseEndpointSlot(subscription.id, slot, this.clock.now());
      // The released slot goes to the endpoint's longest-waiting delivery at once (not at the next pump).
      if (next) await this.dispatcher.dispatch(next);
    }
  }

  private async attemptAndSettle(
    subscription: Subscription,
    delivery: DeliveryRecord,
    ticket: number,
    started: number,
  ): Promise<string> {
    const stored = await this.events.get(delivery.eventId);
    if (!stored) {
      const reason = `event ${delivery.eventId} expired before it was delivered`;
      await this.deliveries.record(delivery.id, ticket, this.clock.now(), { state: 'failed', reason });
      return `delivery ${delivery.id}: ${reason}`;
    }
    let result: AttemptResult;
    try {
      result = await this.attempt(subscription, delivery, JSON.stringify(stored.event), started);
    } catch (error) {
      if (!(error instanceof PipelineError) || !KEY_PROBLEMS.has(error.code)) throw error;
      // Not the receiver's fault and not the delivery's: kept pending, tried again later, said loudly.
      const nextAt = this.clock.now() + SIGNING_KEY_RETRY_MS;
      await this.deliveries.record(delivery.id, ticket, this.clock.now(), { state: 'retry', nextAt });
      this.logger.error(
        { delivery: delivery.id, subscription: subscription.id, code: error.code, err: error.message },
        'webhook delivery cannot be signed: check PF_WEBHOOK_SECRET_KEYS',
      );
      return `delivery ${delivery.id}: cannot be signed (${error.code}); again in ${SIGNING_KEY_RETRY_MS} ms`;
    }
    return this.settle(subscription, delivery, ticket, started, result);
  }

  private attempt(
    subscription: Subscription,
    delivery: DeliveryRecord,
    body: string,
    now: number,
  ): Promise<AttemptResult> {
    const secrets = openActiveSecrets(this.settings.keyring(), subscription, now);
    const headers = {
      ...signedHeaders({ id: delivery.messageId, timestamp: Math.floor(now / 1000), body, secrets }),
      'content-type': DELIVERY_CONTENT_TYPE,
    };
    return this.attemptFn({
      url: subscription.url,
      headers,
      body,
      allowList: this.settings.allowList,
      now: () => this.clock.now(),
      ...(this.settings.resolver ? { resolver: this.settings.resolver } : {}),
      ...(this.settings.ca ? { ca: this.settings.ca } : {}),
    });
  }

  private async settle(
    subscription: Subscription,
    delivery: DeliveryRecord,
    ticket: number,
    started: number,
    result: AttemptResult,
  ): Promise<string> {
    const now = this.clock.now();
    const attemptNo = delivery.attempts + 1;
    const attempt = attemptRecordOf(attemptNo, started, result);
    const where = `delivery ${delivery.id} attempt ${attemptNo}`;
    if (result.outcome === 'delivered') {
      const recorded = await this.deliveries.record(delivery.id, ticket, now, { state: 'delivered' }, attempt);
      if (recorded) await this.deliveries.noteEndpointSuccess(subscription.id);
      return `${where}: delivered (${result.status})`;
    }
    if (result.outcome === 'gone') {
      const reason = `the endpoint answered 410 Gone to ${where}`;
      const end = { state: 'failed', reason, disablesSubscription: true } as const;
      if (await this.deliveries.record(delivery.id, ticket, now, end, attempt))
        await this.disable(subscription, reason, now);
      return `${where}: 410, subscription ${subscription.id} disabled`;
    }
    const failingSince = await this.deliveries.noteEndpointFailure(subscription.id, now);
    if (shouldDisableEndpoint(failingSince, now)) {
      const reason = `every attempt failed since ${new Date(failingSince).toISOString()} (${result.errorCode ?? `HTTP ${result.status}`})`;
      const end = { state: 'failed', reason, disablesSubscription: true } as const;
      if (await this.deliveries.record(delivery.id, ticket, now, end, attempt))
        await this.disable(subscription, reason, now);
      return `${where}: failed; subscription ${subscription.id} disabled after five days of failures`;
    }
    const delay = retryDelay(attemptNo, Math.random(), result.retryAfterMs);
    if (delay === undefined) {
      const reason = `all ${attemptNo} attempts failed (last: ${result.errorCode ?? `HTTP ${result.status}`})`;
      await this.deliveries.record(delivery.id, ticket, now, { state: 'failed', reason }, attempt);
      this.logger.warn(
        { delivery: delivery.id, subscription: subscription.id, attempts: attemptNo },
        'webhook delivery failed for good',
      );
      return `${where}: ${reason}`;
    }
    await this.deliveries.record(delivery.id, ticket, now, { state: 'retry', nextAt: now + delay }, attempt);
    return `${where}: ${result.outcome} (${result.errorCode ?? result.status}), next attempt in ${delay} ms`;
  }

  /**
   * The job that recorded a delivery's end as disabling its subscription, run again (its notifier
   * was lost, or Redis failed, before the subscription was disabled or its owner told): disables
   * it and tells the owner again, both idempotent, unless the owner has changed the subscription
   * since (enabled it again).
   */
  private async finishDisabling(delivery: DeliveryRecord): Promise<string> {
    const subscription = await this.subscriptions.get(delivery.subscriptionId);
    if (!subscription || (subscription.enabled && subscription.updatedAt > delivery.updatedAt))
      return `delivery ${delivery.id}: ${delivery.state}; its subscription is ${subscription ? 'enabled again' : 'gone'}`;
    await this.disable(subscription, delivery.reason ?? '', delivery.updatedAt);
    return `delivery ${delivery.id}: ${delivery.state}; subscription ${subscription.id} disabled`;
  }

  /** Disables the subscription and tells the owner's other subscriptions (idempotent: the event's id is the disabling's). */
  private async disable(subscription: Subscription, reason: string, now: number): Promise<void> {
    const { event } = await this.subscriptions.disable(subscription.id, reason, now);
    await this.publisher.publish(event, { owner: subscription.owner, except: subscription.id });
    this.logger.warn({ subscription: subscription.id, reason }, 'webhook subscription disabled');
  }
}
