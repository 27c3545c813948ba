import { Body, Controller, HttpCode, Post, UseFilters } from '@nestjs/common';
import { OsvAdvisorySchema, UpstreamEventSchema, upstreamEventJobId, type UpstreamEvent } from '@patch-factory/contracts';
import { advisoryEvents } from '@patch-factory/definitions';
import { JobProducer } from '@patch-factory/queue';
import { PatchRequestRepository } from '@patch-factory/store';
import { z } from 'zod';
import { ApiErrorFilter } from './api-error.filter';
import { parseRequest } from './parse-request';

/** An upstream event as the API takes it: `firstSeenAt` defaults to now. */
export const PostUpstreamEventSchema = UpstreamEventSchema.extend({ firstSeenAt: UpstreamEventSchema.shape.firstSeenAt.optional() }).strict();

/**
 * Upstream events (a new version seen at a source): recorded, then planned by the
 * orchestrator (affected definitions → one PatchRequest per image stream → runs).
 * Idempotent on the event id: posting the same event again plans nothing more.
 */
@Controller('events')
@UseFilters(ApiErrorFilter)
export class EventsController {
  constructor(
    private readonly requests: PatchRequestRepository,
    private readonly producer: JobProducer,
  ) {}

  @Post('upstream')
  @HttpCode(202)
  async upstream(@Body() body: unknown): Promise<{ eventId: string; jobId: string; duplicate: boolean }> {
    const parsed: z.infer<typeof PostUpstreamEventSchema> = parseRequest(PostUpstreamEventSchema, body, 'body');
    return this.record({ ...parsed, firstSeenAt: parsed.firstSeenAt ?? Date.now() });
  }

  /**
   * An advisory (OSV): each fixed Debian or Alpine package version becomes an upstream event
   * carrying the advisory's severity, planned like any other; affected entries with nothing
   * to patch to are listed in the answer.
   */
  @Post('advisory')
  @HttpCode(202)
  async advisory(@Body() body: unknown): Promise<{ advisory: string; events: { eventId: string; duplicate: boolean }[]; unpatchable: { package: string; reason: string }[] }> {
    const osv = parseRequest(OsvAdvisorySchema, body, 'body');
    const plan = advisoryEvents(osv, Date.now());
    const events = [];
    for (const event of plan.events) {
      const recorded = await this.record(event);
      events.push({ eventId: recorded.eventId, duplicate: recorded.duplicate });
    }
    return { advisory: osv.id, events, unpatchable: plan.unpatchable };
  }

  private async record(event: UpstreamEvent): Promise<{ eventId: string; jobId: string; duplicate: boolean }> {
    const fresh = await this.requests.saveEvent(event);
    const jobId = upstreamEventJobId(event.id);
    await this.producer.enqueue('event.upstream', { v: 1, eventId: event.id }, { jobId });
    return { eventId: event.id, jobId, duplicate: !fresh };
  }
}
