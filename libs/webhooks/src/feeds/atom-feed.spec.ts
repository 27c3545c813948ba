import { parseFeed } from '@rowanmanning/feed-parser';
import { imageEventToCloudEvent, type ImageEvent } from '@patch-factory/contracts';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { imageFeedEvents, renderAtomFeed, type FeedImageEvent } from './atom-feed';
import { xmlText } from './xml-text';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;
const SOURCE = '/patch-factory/test';
const SELF = 'http://127.0.0.1:8080/feeds/images.atom';
const run = (n: number) => `run_01J0Z3W2Y8K8Q0X1V5T6R7S8${String(n).padStart(2, '0')}`;

function event(
  n: number,
  over: Partial<ImageEvent> = {},
  severity: Record<string, 'critical' | 'high'> = {},
): FeedImageEvent {
  return imageEventToCloudEvent(
    {
      id: `${run(n)}:promote`,
      type: 'image.updated',
      repository: '127.0.0.1:5000/examples/redis',
      digest: D2,
      tags: [
        { tag: '8.2', digest: D2, previous: D1 },
        { tag: '8.2.1', digest: D2 },
      ],
      cvesFixed: ['CVE-2025-0001', 'CVE-2025-0002'],
      runId: run(n),
      definition: 'image/redis/debian-13/8.yaml',
      at: Date.UTC(2026, 11, 7, 10, n),
      ...over,
    },
    { source: SOURCE, severityOf: (id) => severity[id] ?? (id === 'CVE-2025-0001' ? 'critical' : 'high') },
  );
}

/** Well-formed for a second, independent parser too; returns its tree. */
function wellFormed(xml: string): Record<string, unknown> {
  expect(XMLValidator.validate(xml)).toBe(true);
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml) as Record<string, unknown>;
}

describe('Atom feeds of image updates', () => {
  const events = [
    event(1),
    event(3, {
      repository: '127.0.0.1:5000/examples/static',
      type: 'image.published',
      tags: [{ tag: 'latest', digest: D3 }],
      digest: D3,
      cvesFixed: [],
    }),
    event(2, { tags: [{ tag: '8.2', digest: D3, previous: D2 }], digest: D3, cvesFixed: [] }),
  ];

  it('renders the catalog feed newest first, each entry with its id, title, tags, digests and CVEs, read by a maintained parser', () => {
    const xml = renderAtomFeed(events, {
      title: 'Image updates',
      selfUrl: SELF,
      now: 0,
      entryLink: (e) => `http://127.0.0.1:8080/events/${e.id}`,
    });
    wellFormed(xml);
    const feed = parseFeed(xml);
    expect(feed.meta.type).toBe('atom');
    expect(feed.title).toBe('Image updates');
    expect(feed.self).toBe(SELF);
    expect(feed.updated?.toISOString()).toBe('2026-12-07T10:03:00.000Z');
    expect(feed.items.map((i) => i.id)).toEqual([events[1], events[2], events[0]].map((e) => `urn:uuid:${e!.id}`));
    expect(feed.items.map((i) => i.title)).toEqual([
      'examples/static: published as latest',
      'examples/redis: 8.2 updated (no vulnerability fixed)',
      'examples/redis: 8.2, 8.2.1 updated (2 vulnerabilities fixed, highest critical)',
    ]);
    const first = feed.items[2]!;
    expect(first.url).toBe(`http://127.0.0.1:8080/events/${events[0]!.id}`);
    expect(first.updated?.toISOString()).toBe('2026-12-07T10:01:00.000Z');
    expect(first.content).toContain(`8.2: ${D1} -> ${D2}`);
    expect(first.content).toContain(`8.2.1: new -> ${D2}`);
    expect(first.content).toContain('CVE-2025-0001 (critical)');
    expect(first.content).toContain('CVE-2025-0002 (high)');
    expect(feed.items[0]!.content).toContain(`latest: new -> ${D3}`);
  });

  it('gives a stable feed id and entry ids across renders; one image has its own feed', () => {
    const a = parseFeed(renderAtomFeed(events, { title: 't', selfUrl: SELF, now: 0 }));
    const b = parseFeed(renderAtomFeed([...events].reverse(), { title: 't', selfUrl: SELF, now: 99 }));
    expect(b.items.map((i) => i.id)).toEqual(a.items.map((i) => i.id));
    const tree = (xml: string) => (wellFormed(xml).feed as { id: string }).id;
    expect(tree(renderAtomFeed(events, { title: 't', selfUrl: SELF, now: 0 }))).toBe(
      tree(renderAtomFeed([], { title: 't', selfUrl: SELF, now: 5 })),
    );
    expect(tree(renderAtomFeed([], { title: 't', selfUrl: SELF, now: 5 }))).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const redis = parseFeed(
      renderAtomFeed(imageFeedEvents(events, 'examples/redis'), {
        title: 'examples/redis',
        selfUrl: 'http://127.0.0.1:8080/feeds/images/examples/redis.atom',
        now: 0,
      }),
    );
    expect(redis.items).toHaveLength(2);
    expect(redis.items.every((i) => i.title?.startsWith('examples/redis:'))).toBe(true);
  });

  it('an empty feed is valid and dated now', () => {
    const xml = renderAtomFeed([], { title: 'none yet', selfUrl: SELF, now: Date.UTC(2026, 0, 1) });
    wellFormed(xml);
    const feed = parseFeed(xml);
    expect(feed.items).toEqual([]);
    expect(feed.updated?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('keeps at most maxEntries, the newest', () => {
    const many = Array.from({ length: 30 }, (_, i) => event(i + 10));
    const feed = parseFeed(renderAtomFeed(many, { title: 't', selfUrl: SELF, now: 0, maxEntries: 5 }));
    expect(feed.items.map((i) => i.id)).toEqual(
      many
        .slice(-5)
        .reverse()
        .map((e) => `urn:uuid:${e.id}`),
    );
    expect(() => renderAtomFeed(many, { title: 't', selfUrl: SELF, now: 0, maxEntries: 501 })).toThrow(
      /maxEntries is 1 to 500/,
    );
    expect(() => renderAtomFeed(many, { title: 't', selfUrl: 'javascript:alert(1)', now: 0 })).toThrow(
      /feed selfUrl: .* is not an absolute http\(s\) URL/,
    );
  });

  it('hostile text (markup, &, ]]>, control characters, lone surrogates, huge titles) comes out escaped, well-formed and readable', () => {
    const evil = '<script>a&b&amp;]]></x>\u0000\u0008\u001b\u007f\u0085\ud800\uffff"\'ok';
    const clean = '<script>a&b&amp;]]></x>"\'ok';
    const hostile = event(7, { cvesFixed: [evil], definition: `image/${evil}.yaml` }, { [evil]: 'critical' });
    const xml = renderAtomFeed([hostile], { title: `${evil}${'T'.repeat(10_000)}`, selfUrl: SELF, now: 0 });
    const tree = wellFormed(xml) as { feed: { title: { '#text': string }; entry: { content: { '#text': string } } } };
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain(']]>');
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff\uffff]/);
    // The XML parser gives back exactly the text without its forbidden characters (`&amp;` stays text).
    expect(tree.feed.title['#text'].startsWith(`${clean}TTT`)).toBe(true);
    expect(tree.feed.entry.content['#text']).toContain(`${clean} (critical)`);
    expect(tree.feed.entry.content['#text']).toContain(`Run ${run(7)} of image/${clean}.yaml.`);
    // The feed reader (which also decodes HTML entities in text) sees the markup as text, bounded.
    const feed = parseFeed(xml);
    expect(feed.title!.length).toBeLessThanOrEqual(202);
    expect(feed.title!.startsWith('<script>a&b&]]></x>"\'okTTT')).toBe(true);
    expect(feed.items[0]!.content).toContain('<script>a&b&]]></x>"\'ok (critical)');
  });

  it('xmlText removes what XML 1.0 forbids and escapes the five specials', () => {
    expect(xmlText('a<b>&"\'\u0000\t\n\r\ud83d\ude00\ud800z')).toBe('a&lt;b&gt;&amp;&quot;&apos;\t\n\r\ud83d\ude00z');
  });
});
