import { eventNameOf, severityRank, type EventSeverity, type FactoryCloudEvent } from '@patch-factory/contracts';
import { matchImageGlob, matchStar } from './glob-match';
import type { Subscription } from './subscription.schema';

/** The part of a subscription the filter reads. */
export type SubscriptionFilter = Pick<Subscription, 'enabled' | 'eventTypes' | 'images' | 'tags' | 'minSeverity'>;

/**
 * True when `event` goes to `subscription`. Every filter must pass (an empty list passes all):
 * - disabled subscriptions get nothing;
 * - type: the event's short name (`image.updated`) is in `eventTypes`;
 * - images: the event names an image (`data.image`, the repository path without registry host)
 *   that matches one of the globs. An event that names no image does not pass a non-empty
 *   image filter;
 * - tags: one of the tags the event moved (`data.tags[].tag`) matches one of the globs. An
 *   event that moved no tag does not pass a non-empty tag filter;
 * - minimum severity: applies to the events that carry severities, today `image.updated`: its
 *   highest *fixed* severity (`data.cvesFixed`, the vulnerabilities the update removed; not those
 *   still affecting the image, which the event does not list) must rank at least `minSeverity`
 *   (critical > high > medium > low > unknown > none). An update that fixed nothing does not pass.
 *   Events that carry no severity (`image.published`, `pipeline.failed`, `pr.*`) pass: the
 *   setting means "updates at least this serious", not "nothing but security news".
 * - `subscription.disabled` is addressed to the owner (the notifier picks the owner's other
 *   subscriptions): only the type filter applies to it.
 */
export function matches(subscription: SubscriptionFilter, event: FactoryCloudEvent): boolean {
  if (!subscription.enabled) return false;
  const name = eventNameOf(event.type);
  if (!name) return false;
  if (subscription.eventTypes.length > 0 && !subscription.eventTypes.includes(name)) return false;
  if (name === 'subscription.disabled') return true;
  const data = event.data as { image?: unknown; tags?: unknown; cvesFixed?: unknown };
  if (subscription.images.length > 0) {
    const image = typeof data.image === 'string' ? data.image : undefined;
    if (image === undefined || !subscription.images.some((glob) => matchImageGlob(glob, image))) return false;
  }
  if (subscription.tags.length > 0) {
    const tags = Array.isArray(data.tags)
      ? (data.tags as { tag?: unknown }[]).map((t) => t.tag).filter((t): t is string => typeof t === 'string')
      : [];
    if (!tags.some((tag) => subscription.tags.some((glob) => matchStar(glob, tag)))) return false;
  }
  if (subscription.minSeverity && Array.isArray(data.cvesFixed)) {
    const highest = highestSeverity(data.cvesFixed as { severity: EventSeverity }[]);
    if (highest === undefined || severityRank(highest) < severityRank(subscription.minSeverity)) return false;
  }
  return true;
}

function highestSeverity(fixed: readonly { severity: EventSeverity }[]): EventSeverity | undefined {
  let highest: EventSeverity | undefined;
  for (const f of fixed)
    if (highest === undefined || severityRank(f.severity) > severityRank(highest)) highest = f.severity;
  return highest;
}
