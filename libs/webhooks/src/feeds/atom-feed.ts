import { nameBasedUuid, shown, type CloudEventOf } from '@patch-factory/contracts';
import { webhooksError, WebhooksErrorCode } from '../webhooks-errors';
import { bounded, xmlText } from './xml-text';

/** An image event as feeds show it: the CloudEvents `image.published` or `image.updated` (libs/contracts imageEventToCloudEvent). */
export type FeedImageEvent = CloudEventOf<'image.published'> | CloudEventOf<'image.updated'>;

export const DEFAULT_FEED_ENTRIES = 50;
export const MAX_FEED_ENTRIES = 500;
/** Vulnerabilities listed per entry; more are counted (`… and 12 more`). */
export const MAX_FEED_VULNERABILITIES = 200;

export interface AtomFeedOptions {
  /** The feed's title (bounded to 200 characters). */
  title: string;
  /** The feed's own absolute http(s) URL (`rel="self"`). */
  selfUrl: string;
  /** The feed's id (an IRI); by default `urn:uuid:` derived from `selfUrl`, stable across renders. */
  id?: string;
  /** Epoch ms: the feed's `updated` when it has no entry (else the newest entry's time). */
  now: number;
  /** Entries kept, newest first: 1 to 500, 50 by default. */
  maxEntries?: number;
  /** A page for people about the event (an entry's `rel="alternate"` link), if any. */
  entryLink?: (event: FeedImageEvent) => string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * An Atom 1.0 feed (RFC 4287) of image updates, newest first: the whole catalog's when given
 * every image event, one image's with `imageFeedEvents`. Each entry's id is `urn:uuid:<event
 * id>` (event ids are deterministic UUIDs, so an entry keeps its id across renders and
 * restarts); its content (text) lists the tags moved with the old and new digests and the
 * vulnerabilities fixed with their severities. All text is XML-escaped with forbidden
 * characters removed (xml-text.ts); entries, titles and lists are bounded.
 */
export function renderAtomFeed(events: readonly FeedImageEvent[], options: AtomFeedOptions): string {
  const max = options.maxEntries ?? DEFAULT_FEED_ENTRIES;
  if (!Number.isSafeInteger(max) || max < 1 || max > MAX_FEED_ENTRIES)
    throw webhooksError(WebhooksErrorCode.feedInvalid, 'feed', `maxEntries is 1 to ${MAX_FEED_ENTRIES}, not ${max}`);
  const self = httpUrl(options.selfUrl, 'feed selfUrl');
  const id = options.id ?? `urn:uuid:${nameBasedUuid(`feed\n${self}`)}`;
  const entries = [...events]
    .sort((a, b) => (a.time === b.time ? (a.id < b.id ? -1 : 1) : a.time < b.time ? 1 : -1))
    .slice(0, max);
  const updated = entries[0]?.time ?? new Date(options.now).toISOString();
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xmlText(bounded(id, 2000))}</id>`,
    `  <title type="text">${xmlText(bounded(options.title, 200))}</title>`,
    `  <updated>${updated}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlText(self)}"/>`,
    '  <author><name>patch-factory</name></author>',
    '  <generator>patch-factory</generator>',
    ...entries.map((e) => entry(e, options.entryLink?.(e))),
    '</feed>',
    '',
  ].join('\n');
}

/** The events of one image (its name: the repository path, `examples/redis`), for its own feed. */
export function imageFeedEvents(events: readonly FeedImageEvent[], image: string): FeedImageEvent[] {
  return events.filter((e) => e.data.image === image);
}

function entry(event: FeedImageEvent, link: string | undefined): string {
  if (!UUID.test(event.id))
    throw webhooksError(
      WebhooksErrorCode.feedInvalid,
      'feed entry',
      `event id ${JSON.stringify(shown(event.id, 60))} is not a UUID`,
    );
  const name = event.type === 'dev.patch-factory.image.published' ? 'image.published' : 'image.updated';
  const href = link === undefined ? undefined : httpUrl(link, `the link of event ${event.id}`);
  return [
    '  <entry>',
    `    <id>urn:uuid:${event.id}</id>`,
    `    <title type="text">${xmlText(title(event))}</title>`,
    `    <updated>${xmlText(event.time)}</updated>`,
    ...(href ? [`    <link rel="alternate" type="text/html" href="${xmlText(href)}"/>`] : []),
    `    <category term="${name}"/>`,
    `    <content type="text">${xmlText(content(event))}</content>`,
    '  </entry>',
  ].join('\n');
}

function title(event: FeedImageEvent): string {
  const tags = event.data.tags.map((t) => t.tag);
  const shownTags = tags.length > 5 ? `${tags.slice(0, 5).join(', ')} and ${tags.length - 5} more` : tags.join(', ');
  if (event.type === 'dev.patch-factory.image.published')
    return bounded(`${event.data.image}: published as ${shownTags}`, 300);
  const data = event.data;
  const fixed = data.cvesFixed.length;
  const cves =
    fixed === 0
      ? 'no vulnerability fixed'
      : `${fixed} vulnerabilit${fixed === 1 ? 'y' : 'ies'} fixed, highest ${data.highestSeverityFixed ?? 'unknown'}`;
  return bounded(`${data.image}: ${shownTags} updated (${cves})`, 300);
}

function content(event: FeedImageEvent): string {
  const data = event.data;
  const lines = [`Image ${data.image} (${bounded(data.repository, 500)}) at ${data.digest}.`, 'Tags:'];
  for (const t of data.tags) lines.push(`  ${t.tag}: ${('previous' in t && t.previous) || 'new'} -> ${t.digest}`);
  if (event.type === 'dev.patch-factory.image.updated') {
    const fixed = event.data.cvesFixed;
    lines.push(`Vulnerabilities fixed (${fixed.length}):`);
    for (const v of fixed.slice(0, MAX_FEED_VULNERABILITIES)) lines.push(`  ${bounded(v.id, 100)} (${v.severity})`);
    if (fixed.length > MAX_FEED_VULNERABILITIES) lines.push(`  … and ${fixed.length - MAX_FEED_VULNERABILITIES} more`);
  }
  lines.push(`Run ${data.runId} of ${bounded(data.definition, 512)}.`);
  return lines.join('\n');
}

function httpUrl(value: string, where: string): string {
  let url: URL | undefined;
  try {
    url = value.length <= 2000 ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw webhooksError(
      WebhooksErrorCode.feedInvalid,
      where,
      `${JSON.stringify(shown(value, 80))} is not an absolute http(s) URL of at most 2000 characters`,
    );
  return url.href;
}
