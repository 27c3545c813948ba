import { parseFeed } from '@rowanmanning/feed-parser';
import { Redis } from 'ioredis';
import { imageEventToCloudEvent, type ImageEvent } from '@patch-factory/contracts';
import { ReleaseRepository } from '@patch-factory/store';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { matches, type SubscriptionFilter } from '../subscriptions/subscription-filter';
import { imageFeedEvents, renderAtomFeed, type FeedImageEvent } from './atom-feed';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;
const RUN1 = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S801';
const RUN2 = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S802';
const RUN3 = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S803';
const SEVERITY: Record<string, 'critical' | 'high' | 'low'> = { 'CVE-2025-1': 'high', 'CVE-2025-2': 'low' };

/** Image events as promote appends them (`${runId}:promote`, repository `<registry host>/<image>`). */
const promoted: ImageEvent[] = [
  {
    id: `${RUN1}:promote`,
    type: 'image.published',
    repository: '127.0.0.1:5000/examples/redis',
    digest: D1,
    tags: [
      { tag: '8', digest: D1 },
      { tag: '8.2', digest: D1 },
    ],
    cvesFixed: [],
    runId: RUN1,
    definition: 'image/redis/debian-13/8.yaml',
    at: 1_000,
  },
  {
    id: `${RUN2}:promote`,
    type: 'image.published',
    repository: '127.0.0.1:5000/examples/static',
    digest: D3,
    tags: [{ tag: 'latest', digest: D3 }],
    cvesFixed: [],
    runId: RUN2,
    definition: 'image/static/debian-13/latest.yaml',
    at: 2_000,
  },
  {
    id: `${RUN3}:promote`,
    type: 'image.updated',
    repository: '127.0.0.1:5000/examples/redis',
    digest: D2,
    tags: [
      { tag: '8', digest: D2, previous: D1 },
      { tag: '8.2', digest: D2, previous: D1 },
    ],
    cvesFixed: ['CVE-2025-1', 'CVE-2025-2'],
    runId: RUN3,
    definition: 'image/redis/debian-13/8.yaml',
    at: 3_000,
  },
];

describe('feeds and filters from the image events the release repository stores (real Redis)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const releases = new ReleaseRepository(redis, prefix);
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  const read = async (): Promise<FeedImageEvent[]> =>
    (await releases.events()).map(({ event }) =>
      imageEventToCloudEvent(event, { source: '/patch-factory/test', severityOf: (id) => SEVERITY[id] }),
    );

  it('renders the catalog and per-image feeds of the stored events, with the same ids on every read', async () => {
    for (const e of promoted) expect(await releases.appendEvent(e)).toBe(true);
    const events = await read();
    expect((await read()).map((e) => e.id)).toEqual(events.map((e) => e.id));

    const catalog = parseFeed(
      renderAtomFeed(events, { title: 'catalog', selfUrl: 'http://127.0.0.1:8080/feeds/images.atom', now: 0 }),
    );
    expect(catalog.items.map((i) => i.title)).toEqual([
      'examples/redis: 8, 8.2 updated (2 vulnerabilities fixed, highest high)',
      'examples/static: published as latest',
      'examples/redis: published as 8, 8.2',
    ]);
    expect(catalog.items[0]!.content).toContain(`8: ${D1} -> ${D2}`);
    expect(catalog.items[0]!.content).toContain('CVE-2025-1 (high)');
    expect(catalog.items[0]!.content).toContain('CVE-2025-2 (low)');

    const redisFeed = parseFeed(
      renderAtomFeed(imageFeedEvents(events, 'examples/redis'), {
        title: 'examples/redis',
        selfUrl: 'http://127.0.0.1:8080/feeds/images/examples/redis.atom',
        now: 0,
      }),
    );
    expect(redisFeed.items.map((i) => i.id)).toEqual([events[2]!, events[0]!].map((e) => `urn:uuid:${e.id}`));
  });

  it('routes the stored events by filter: image glob, tag glob, minimum severity', async () => {
    const events = await read();
    const base: SubscriptionFilter = { enabled: true, eventTypes: [], images: [], tags: [] };
    const to = (filter: Partial<SubscriptionFilter>) => events.map((e) => matches({ ...base, ...filter }, e));
    expect(to({ images: ['examples/redis'] })).toEqual([true, false, true]);
    expect(to({ tags: ['lat*'] })).toEqual([false, true, false]);
    expect(to({ minSeverity: 'high' })).toEqual([true, true, true]);
    expect(to({ minSeverity: 'critical' })).toEqual([true, true, false]);
    expect(to({ eventTypes: ['image.updated'], minSeverity: 'high' })).toEqual([false, false, true]);
  });
});
