import { createHash } from 'node:crypto';
import type { EventName } from './event-types';

/**
 * The id of the event `name` made from the source fact `fact` (an image event's id, a run id, a
 * pull request's URL…): a UUID of version 8 (RFC 9562, section 5.8) whose 122 free bits are the
 * first bits of SHA-256(`name` LF `fact`), in the RFC's name-based layout.
 *
 * Deterministic on purpose: the notify stage is a BullMQ job (at least once), so a retried or
 * redelivered job builds the same events again; with the same ids, deliveries keyed by event id
 * (and the `webhook-id` derived from them) are made once and receivers deduplicate on them
 * (rule 3 of DESIGN.md). A random id would turn each retry into "new" events. The name is in the
 * hash so that one fact giving two events (a run's `pipeline.failed` and its `pr.opened`) gives
 * two ids. A UUID, so that Atom entries use it as `urn:uuid:<id>` (RFC 4287 asks for an IRI).
 */
export function eventId(name: EventName, fact: string): string {
  return nameBasedUuid(`${name}\n${fact}`);
}

/** A name-based UUID of version 8 (RFC 9562, section 5.8 and appendix B.2): the first 122 bits of SHA-256(`name`). */
export function nameBasedUuid(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8
  h[8] = (h[8]! & 0x3f) | 0x80; // variant 10
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
