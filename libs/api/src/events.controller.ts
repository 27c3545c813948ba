import { Body, Controller, Req, UseFilters } from '@nestjs/common';
import { OsvAdvisorySchema, TerminalError, upstreamEventId, type UpstreamEvent } from '@patch-factory/contracts';
import { advisoryEvents } from '@patch-factory/definitions';
import { hasScope, principalOf } from '@patch-factory/pipeline';
import { EventPlanningQueue, JobProducer } from '@patch-factory/queue';
import {
  API_ADVISORY_SOURCE,
  AdvisoryDocumentTooLargeError,
  AdvisoryFromTheFutureError,
  AdvisoryOwnedByFeedError,
  AdvisoryRepository,
  PatchRequestRepository,
} from '@patch-factory/store';
import type { Request } from 'express';
import { z } from 'zod';
import { ApiErrorFilter } from './api-error.filter';
import { ApiRoute } from './api-route.decorator';
import type { AdvisoryAnswerSchema, UpstreamEventAnswerSchema } from './api-responses.schemas';
import { API_ROUTES } from './api.routes';
import { PostUpstreamEventSchema } from './api.schemas';
import { parseRequest } from './parse-request';

/**
 * What the factory decides itself and never takes from a caller of POST /events/upstream, and
 * why (issue 14: a caller-chosen severity, advisory or date skipped the soak and chose
 * auto-merge; a caller-chosen id could squat a real event's).
 */
export const FACTORY_DECIDED_FIELDS: Readonly<Record<string, string>> = {
  id: 'event ids are derived by the factory (from source, ref, version, digest and vars; the answer names it), never chosen by a caller',
  severity:
    'an event has a severity only from a stored advisory (a configured feed, or POST /events/advisory), never from the event',
  advisory:
    'an event fixes an advisory only when the factory makes it from a stored advisory: post the advisory to POST /events/advisory',
  security:
    "only a watcher of a security suite marks a security update (the mark skips the soak, like an advisory's fix)",
  firstSeenAt: "the factory's own clock says when it first saw an event (the soak counts from it)",
};

/** Refuses a body that sets what the factory decides (400 naming each such field and why). */
function refuseFactoryDecidedFields(body: unknown): void {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  const set = Object.keys(FACTORY_DECIDED_FIELDS).filter((f) => Object.prototype.hasOwnProperty.call(body, f));
  if (set.length)
    throw new TerminalError(
      'invalid-request',
      `body: ${set.map((f) => `${f}: not accepted: ${FACTORY_DECIDED_FIELDS[f]}`).join('; ')}`,
    );
}

/**
 * Upstream events (a new version seen at a source): recorded, then planned by the
 * orchestrator (affected definitions → one PatchRequest per image stream → runs).
 * Idempotent on the event id, which the factory derives from the event (upstreamEventId):
 * posting the same event again plans nothing more, and no caller can take another event's id.
 */
// Ingesting events and advisories needs the `events` scope (API_ROUTES).
@Controller()
@UseFilters(ApiErrorFilter)
export class EventsController {
  constructor(
    private readonly requests: PatchRequestRepository,
    private readonly producer: JobProducer,
    private readonly advisories: AdvisoryRepository,
  ) {}

  @ApiRoute(API_ROUTES.postUpstreamEvent)
  async upstream(@Body() body: unknown): Promise<z.infer<typeof UpstreamEventAnswerSchema>> {
    refuseFactoryDecidedFields(body);
    const parsed: z.infer<typeof PostUpstreamEventSchema> = parseRequest(PostUpstreamEventSchema, body, 'body');
    return this.record({ ...parsed, id: upstreamEventId({ kind: 'api' }, parsed), firstSeenAt: Date.now() });
  }

  /**
   * An advisory (OSV): its document is stored for the scan stage first (AdvisoryRepository,
   * as the watcher stores its feeds: the newest `modified` wins; `stored` is false when a
   * document as new or newer was already there), then each fixed Debian or Alpine package
   * version becomes an upstream event carrying the advisory's severity, planned like any
   * other; affected entries with nothing to patch to are listed in the answer. A malformed
   * advisory (or one whose `modified` is no date, or later than now beyond a 5-minute clock skew:
   * it would win over every real update) is refused with 400 and nothing stored; a
   * document over the store's size cap with 413. The document is stored as the API's (source
   * `api`): one a configured feed stored is replaced only by a caller holding the admin scope,
   * else 409 advisory-owned-by-feed naming the feed, nothing stored and no events.
   */
  @ApiRoute(API_ROUTES.postAdvisory)
  async advisory(@Body() body: unknown, @Req() req: Request): Promise<z.infer<typeof AdvisoryAnswerSchema>> {
    const osv = parseRequest(OsvAdvisorySchema, body, 'body');
    if (!Number.isFinite(Date.parse(osv.modified))) {
      throw new TerminalError(
        'invalid-request',
        `body: modified: ${JSON.stringify(osv.modified.slice(0, 64))} is not an RFC 3339 date such as 2024-01-02T03:04:05Z`,
      );
    }
    const plan = advisoryEvents(osv, Date.now(), API_ADVISORY_SOURCE);
    let stored: boolean;
    try {
      // No principal (a route the access guard did not run on) is not admin.
      stored = await this.advisories.saveDocument(osv, {
        source: API_ADVISORY_SOURCE,
        admin: hasScope(principalOf(req), 'admin'),
      });
    } catch (error) {
      if (error instanceof AdvisoryOwnedByFeedError) throw new TerminalError(error.code, `body: id: ${error.message}`);
      if (error instanceof AdvisoryDocumentTooLargeError)
        throw new TerminalError('payload-too-large', `body: ${error.message}`);
      if (error instanceof AdvisoryFromTheFutureError)
        throw new TerminalError('invalid-request', `body: modified: ${error.message}`);
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

  private async record(event: UpstreamEvent): Promise<z.infer<typeof UpstreamEventAnswerSchema>> {
    const fresh = await this.requests.saveEvent(event);
    // On the planning lane with its priority: security fixes by severity before plain updates.
    const jobId = await new EventPlanningQueue(this.producer).plan(event);
    return { eventId: event.id, jobId, duplicate: !fresh };
  }
}
