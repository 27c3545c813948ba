/**
 * The factory's event types and how they are named (issue 17).
 *
 * Naming rule: an event's short name is `<subject>.<what happened>`, the subject a noun of the
 * vocabulary (`image`, `pipeline`, `pr`, `subscription`, and `sla` next) and what happened a past
 * participle (`published`, `updated`, `failed`, `opened`, `merged`, `disabled`; for the SLA events
 * of the next issue `sla.at-risk`, `sla.breached`, `sla.closed`). Its CloudEvents `type` is the
 * short name behind the reverse-DNS prefix `dev.patch-factory.` (CloudEvents 1.0 asks types to be
 * prefixed by a reverse-DNS name, so that a consumer's router tells them from other producers'):
 * `dev.patch-factory.image.updated`. The type carries no version: routers route on meaning. The
 * data's version is in `dataschema` (`urn:patch-factory:events:image.updated:v1`): additive
 * changes (a new optional field) keep `v1`, so consumers must ignore fields they do not know; a
 * change that removes, renames or retypes a field is `v2`, a new schema published beside `v1`.
 * Subscriptions filter on short names.
 */
export const EVENT_TYPE_PREFIX = 'dev.patch-factory.';

/** Every event the factory sends, by short name. */
export const EVENT_NAMES = [
  'image.published',
  'image.updated',
  'pipeline.failed',
  'pr.opened',
  'pr.merged',
  'subscription.disabled',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** The data version each event is sent with now. */
export const EVENT_DATA_VERSION: Record<EventName, number> = {
  'image.published': 1,
  'image.updated': 1,
  'pipeline.failed': 1,
  'pr.opened': 1,
  'pr.merged': 1,
  'subscription.disabled': 1,
};

/** The CloudEvents type of event `N`: `dev.patch-factory.${N}`. */
export type EventTypeOf<N extends EventName> = `dev.patch-factory.${N}`;

/** `dev.patch-factory.image.updated` for `image.updated`. */
export function eventType<N extends EventName>(name: N): EventTypeOf<N> {
  return `${EVENT_TYPE_PREFIX}${name}`;
}

/** The short name of a CloudEvents type of this factory, or undefined for any other type. */
export function eventNameOf(type: string): EventName | undefined {
  if (!type.startsWith(EVENT_TYPE_PREFIX)) return undefined;
  const name = type.slice(EVENT_TYPE_PREFIX.length);
  return (EVENT_NAMES as readonly string[]).includes(name) ? (name as EventName) : undefined;
}

/** The URI naming the versioned JSON Schema of an event's data: `urn:patch-factory:events:image.updated:v1`. */
export function dataSchemaUri(name: EventName, version: number = EVENT_DATA_VERSION[name]): string {
  return `urn:patch-factory:events:${name}:v${version}`;
}

/**
 * Severities of vulnerabilities in events, from the highest (the scanner's, libs/vuln). `unknown`
 * (no rating found) ranks below `low` (there is no evidence it is serious) but above `none` (rated
 * harmless), since an unrated vulnerability may still be anything.
 */
export const EVENT_SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown', 'none'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

/** A severity's rank: critical 5, high 4, medium 3, low 2, unknown 1, none 0. */
export function severityRank(severity: EventSeverity): number {
  return EVENT_SEVERITIES.length - 1 - EVENT_SEVERITIES.indexOf(severity);
}

/**
 * The severity of each vulnerability id in a scan report's `diff.fixed` (read as JSON: entries
 * `{ id, severity }`), the highest when an id is fixed in several packages; a severity that is
 * not one of EVENT_SEVERITIES counts as `unknown`. For imageEventToCloudEvent's `severityOf`.
 */
export function fixedSeverities(fixed: unknown): Map<string, EventSeverity> {
  const out = new Map<string, EventSeverity>();
  if (!Array.isArray(fixed)) return out;
  for (const f of fixed.slice(0, 100_000) as unknown[]) {
    if (typeof f !== 'object' || f === null) continue;
    const { id, severity } = f as { id?: unknown; severity?: unknown };
    if (typeof id !== 'string' || id.length === 0 || id.length > 100) continue;
    const s: EventSeverity = (EVENT_SEVERITIES as readonly unknown[]).includes(severity)
      ? (severity as EventSeverity)
      : 'unknown';
    const before = out.get(id);
    if (before === undefined || severityRank(s) > severityRank(before)) out.set(id, s);
  }
  return out;
}
