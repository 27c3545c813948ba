import type { JobProducer } from '@patch-factory/queue';
import type { DeliveryRepository } from './delivery.repository';
import type { WebhookClock } from './webhook-clock';

/** The job id of one claim of a delivery (the ticket makes each claim's job new). */
export const deliverJobId = (deliveryId: string, ticket: number): string => `${deliveryId}.${ticket}`;

/**
 * Hands due deliveries to the workers: claims each (a new ticket; the due entry pushed a lease
 * ahead) and enqueues its `webhook.deliver` job. Replicas may pump at once: a claim is atomic, so
 * each due attempt gets one job. A pump that dies between claim and enqueue leaves the entry due
 * again when the lease ends.
 */
export class DeliveryDispatcher {
  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly producer: JobProducer,
    private readonly clock: WebhookClock,
  ) {}

  /** Dispatches one delivery if it is due; true when a job was enqueued. */
  async dispatch(deliveryId: string): Promise<boolean> {
    const claimed = await this.deliveries.claim(deliveryId, this.clock.now());
    if (!claimed) return false;
    await this.producer.enqueue(
      'webhook.deliver',
      { v: 1, deliveryId, ticket: claimed.ticket },
      { jobId: deliverJobId(deliveryId, claimed.ticket) },
    );
    return true;
  }

  /** Dispatches what is due now (at most `limit` per call); how many jobs were enqueued. */
  async pumpDue(limit = 500): Promise<number> {
    const ids = await this.deliveries.dueIds(this.clock.now(), limit);
    let dispatched = 0;
    for (const id of ids) if (await this.dispatch(id)) dispatched++;
    return dispatched;
  }
}
