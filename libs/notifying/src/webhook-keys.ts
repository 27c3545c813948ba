/**
 * Redis keys of the webhook system. Every key carries the `{webhooks}` hash tag, so that the
 * multi-key scripts (delivery-scripts.lua.ts) run on Redis Cluster too.
 */
export class WebhookKeys {
  constructor(private readonly prefix: string) {}

  private key(rest: string): string {
    return `${this.prefix}:{webhooks}:${rest}`;
  }
  /** A subscription (JSON; its secrets sealed). */
  subscription(id: string): string {
    return this.key(`sub:${id}`);
  }
  /** Every subscription id by creation time. */
  subscriptions(): string {
    return this.key('subs');
  }
  /** A stored event (JSON: the CloudEvent and its audience). */
  event(id: string): string {
    return this.key(`event:${id}`);
  }
  /** The image events published, newest last (capped): what the feeds show. */
  imageEvents(): string {
    return this.key('image-events');
  }
  /** A delivery (hash). */
  delivery(id: string): string {
    return this.key(`dlv:${id}`);
  }
  /** A delivery's attempts (list of JSON, the newest last, capped). */
  attempts(id: string): string {
    return this.key(`dlv:${id}:attempts`);
  }
  /** Every delivery by creation time. */
  deliveries(): string {
    return this.key('dlvs');
  }
  /** A subscription's deliveries by creation time. */
  deliveriesOf(subscriptionId: string): string {
    return this.key(`dlvs:${subscriptionId}`);
  }
  /** Pending deliveries by the time their next attempt is due (ms of the webhook clock). */
  due(): string {
    return this.key('due');
  }
  /** Attempts in flight to one endpoint (sorted set lease → expiry ms). */
  inflight(subscriptionId: string): string {
    return this.key(`inflight:${subscriptionId}`);
  }
  /** Deliveries waiting for a slot of one endpoint (sorted set id → since when, ms): a released slot goes to the first. */
  waiting(subscriptionId: string): string {
    return this.key(`waiting:${subscriptionId}`);
  }
  /** Since when (ms) an endpoint has failed without a success in between. */
  failingSince(subscriptionId: string): string {
    return this.key(`failing:${subscriptionId}`);
  }
}
