import { createHash } from 'node:crypto';

/**
 * Where an upstream event comes from, which decides its id's namespace. Ids are never chosen by
 * a caller: each producer derives them here, from what the event is, so no one can take
 * ("squat") the id a real event will have.
 * - `watch`: a configured watcher target saw a version. The id depends on the target and the
 *   version only, so the same version seen twice (or by two replicas) is one event.
 * - `advisory`: a fixed version of an advisory, from the advisory source that delivered it (a
 *   feed's target key, or `api` for POST /events/advisory): an API caller cannot take the id
 *   of a feed advisory's event.
 * - `api`: POST /events/upstream. The id depends on the whole event (source, ref, version,
 *   digest, variables): posting the same event again is a duplicate, and an API event can never
 *   have the id of a watcher's or an advisory's event.
 */
export type UpstreamEventOrigin =
  { kind: 'watch'; target: string } | { kind: 'advisory'; advisory: string; from: string } | { kind: 'api' };

/** What an event's id is derived from (besides its origin). */
export interface UpstreamEventIdentity {
  source: string;
  ref: string;
  version: string;
  digest?: string | undefined;
  vars?: Readonly<Record<string, string>> | undefined;
}

/** Longest readable part of an id (the hash follows it). */
const READABLE = 72;

/**
 * The id of an event: `<origin kind>:<readable part>:<32 hex digits of sha256 of the origin and
 * identity>`. The readable part (target or advisory, ref, version; unsafe characters as `.`) is
 * for people; the hash alone makes ids differ. Fits UpstreamEventSchema's id (at most 128 of
 * letters, digits and . _ : -).
 */
export function upstreamEventId(origin: UpstreamEventOrigin, event: UpstreamEventIdentity): string {
  let identity: unknown[];
  let readable: string;
  switch (origin.kind) {
    case 'watch':
      identity = [origin.kind, origin.target, event.version];
      readable = `${origin.target}@${event.version}`;
      break;
    case 'advisory':
      identity = [origin.kind, origin.advisory, origin.from, event.ref, event.version];
      readable = `${origin.advisory}:${event.ref.replace(/^pkg:/, '')}@${event.version}`;
      break;
    case 'api': {
      const vars = Object.entries(event.vars ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      identity = [origin.kind, event.source, event.ref, event.version, event.digest ?? null, vars];
      readable = `${event.source}:${event.ref}@${event.version}`;
      break;
    }
  }
  const hash = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
  return `${origin.kind}:${readable.replace(/[^A-Za-z0-9._-]/g, '.').slice(0, READABLE)}:${hash}`;
}
