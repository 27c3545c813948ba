import type { UpstreamEvent } from '@patch-factory/contracts';
import { advisorySeverityOf } from '@patch-factory/definitions';
import type { AdvisoryRepository } from '@patch-factory/store';

/** Why an event's advisory or severity was not trusted (for the planner's log), or undefined. */
export interface TrustedEvent {
  event: UpstreamEvent;
  distrusted?: string;
}

/**
 * The event with only what the factory trusts (issue 14): an advisory id only when the store
 * holds that advisory's document (stored from a configured feed, or from POST /events/advisory),
 * and a severity only as that stored document gives it for the event's package, never the
 * severity written in the event. A severity without an advisory is dropped (no producer of the
 * factory writes one: it is a tampered or old entry), as is an advisory the store does not know.
 * The security-suite mark (set by watchers only) is kept: withSecurityUpdateSeverity reads it.
 */
export async function trustedEvent(
  event: UpstreamEvent,
  advisories: Pick<AdvisoryRepository, 'document'>,
): Promise<TrustedEvent> {
  const { severity, advisory, ...plain } = event;
  if (advisory === undefined)
    return severity === undefined
      ? { event }
      : { event: plain, distrusted: `severity ${severity} names no advisory: ignored` };
  const stored = await advisories.document(advisory);
  if (!stored)
    return {
      event: plain,
      distrusted: `advisory ${advisory} is not in the store: its severity is not trusted, the event is planned as a plain update`,
    };
  const trusted = advisorySeverityOf(stored.osv, event.ref);
  return { event: { ...plain, advisory, ...(trusted ? { severity: trusted } : {}) } };
}
