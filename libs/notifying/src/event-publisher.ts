import type { FactoryCloudEvent } from '@patch-factory/contracts';
import type { JobProducer } from '@patch-factory/queue';
import type { Audience, EventStore } from './event-store';
import type { WebhookClock } from './webhook-clock';

/** The job id of an event's fan-out: one per event. */
export const fanOutJobId = (eventId: string): string => `fan-out.${eventId}`;

/**
 * Publishes an event: stores it once by id, then asks for its fan-out (a `webhook.fan-out` job
 * with a job id made from the event id). Both steps are idempotent, so a caller that crashes in
 * between and runs again (a retried notify job) publishes the same event once, and is sure that
 * its fan-out was asked for.
 */
export class EventPublisher {
  constructor(
    private readonly events: EventStore,
    private readonly producer: JobProducer,
    private readonly clock: WebhookClock,
  ) {}

  async publish(event: FactoryCloudEvent, audience?: Audience): Promise<{ stored: boolean }> {
    const stored = await this.events.store(event, this.clock.now(), audience);
    await this.producer.enqueue('webhook.fan-out', { v: 1, eventId: event.id }, { jobId: fanOutJobId(event.id) });
    return { stored };
  }
}
