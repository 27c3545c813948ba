import { Body, Controller, HttpCode, Post, UseFilters } from '@nestjs/common';
import { OsvAdvisorySchema, TerminalError, UpstreamEventSchema, type UpstreamEvent } from '@patch-factory/contracts';
import { advisoryEvents } from '@patch-factory/definitions';
import { EventPlanningQueue, JobProducer } from '@patch-factory/queue';
import { AdvisoryDocumentTooLargeError, AdvisoryFromTheFutureError, AdvisoryRepository, PatchRequestRepository } from '@patch-factory/store';
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
    private readonly advisories: AdvisoryRepository,
  ) {}

  @Post('upstream')
  @HttpCode(202)
  async upstream(@Body() body: unknown): Promise<{ eventId: string; jobId: string; duplicate: boolean }> {
    const parsed: z.infer<typeof PostUpstreamEventSchema> = parseRequest(PostUpstreamEventSchema, body, 'body');
    return this.record({ ...parsed, firstSeenAt: parsed.firstSeenAt ?? Date.now() });
  }

  /**
   * An advisory (OSV): its document is stored for the scan stage first (AdvisoryRepository,
   * as the watcher stores its feeds: the newest `modified` wins; `stored` is false when a
   * document as new or newer was already there), then each fixed Debian or Alpine package
   * version becomes an upstream event carrying the advisory's severity, planned like any
   * other; affected entries with nothing to patch to are listed in the answer. A malformed
   * advisory (or one whose `modified` is no date, or later than now beyond a 5-minute clock skew:
   * it would win over every real update) is refused with 400 and nothing stored; a
   * document over the store's size cap with 413.
   */
  @Post('advisory')
  @HttpCode(202)
  async advisory(
    @Body() body: unknown,
  ): Promise<{ advisory: string; stored: boolean; events: { eventId: string; duplicate: boolean }[]; unpatchable: { package: string; reason: string }[] }> {
    const osv = parseRequest(OsvAdvisorySchema, body, 'body');
    if (!Number.isFinite(Date.parse(osv.modified))) {
      throw new TerminalError('invalid-request', `body: modified: ${JSON.stringify(osv.modified.slice(0, 64))} is not an RFC 3339 date such as 2024-01-02T03:04:05Z`);
    }
    const plan = advisoryEvents(osv, Date.now());
    let stored: boolean;
    try {
      stored = await this.advisories.saveDocument(osv);
    } catch (error) {
      if (error instanceof AdvisoryDocumentTooLargeError) throw new TerminalError('payload-too-large', `body: ${error.message}`);
      if (error instanceof AdvisoryFromTheFutureError) throw new TerminalError('invalid-request', `body: modified: ${error.message}`);
      throw error;
    }
    const events = [];
    for (const event of plan.events) {
      // Every event is stored (and answered) now; their planning jobs go on the planning lane by
      // severity, PF_ADVISORY_EVENT_BATCH at a time, the rest by continuation (EventPlanningQueue).
      events.push({ eventId: event.id, duplicate: !(await this.requests.saveEvent(event)) });
    }
    await new EventPlanningQueue(this.producer).planAll(plan.events);
    return { advisory: osv.id, stored, events, unpatchable: plan.unpatchable };
  }

  private async record(event: UpstreamEvent): Promise<{ eventId: string; jobId: string; duplicate: boolean }> {
    const fresh = await this.requests.saveEvent(event);
    // On the planning lane with its priority: security fixes by severity before plain updates.
    const jobId = await new EventPlanningQueue(this.producer).plan(event);
    return { eventId: event.id, jobId, duplicate: !fresh };
  }
}
