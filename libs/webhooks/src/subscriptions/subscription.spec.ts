import {
  imageEventToCloudEvent,
  pipelineFailedEvent,
  subscriptionDisabledEvent,
  type FactoryCloudEvent,
  type ImageEvent,
  type PipelineRun,
  type EventSeverity,
} from '@patch-factory/contracts';
import { matches, type SubscriptionFilter } from './subscription-filter';
import { parseSubscriptionInput } from './subscription.schema';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const RUN = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
const SOURCE = '/patch-factory/test';
const SEVERITY: Record<string, EventSeverity> = {
  'CVE-5': 'none',
  'CVE-1': 'critical',
  'CVE-2': 'high',
  'CVE-3': 'medium',
  'CVE-4': 'low',
};

const imageEvent = (over: Partial<ImageEvent>): FactoryCloudEvent =>
  imageEventToCloudEvent(
    {
      id: `${RUN}:promote`,
      type: 'image.updated',
      repository: '127.0.0.1:5000/examples/redis',
      digest: D2,
      tags: [{ tag: '8.2', digest: D2, previous: D1 }],
      cvesFixed: [],
      runId: RUN,
      definition: 'image/redis/debian-13/8.yaml',
      at: 1_000,
      ...over,
    },
    { source: SOURCE, severityOf: (id) => SEVERITY[id] },
  );
const updated = (cves: string[], over: Partial<ImageEvent> = {}) => imageEvent({ cvesFixed: cves, ...over });
const published = imageEvent({ type: 'image.published', tags: [{ tag: '8.2', digest: D2 }] });
const failed = pipelineFailedEvent(
  {
    id: RUN,
    definition: 'image/redis/debian-13/8.yaml',
    trigger: { kind: 'manual' },
    state: 'failed',
    createdAt: 1,
    updatedAt: 2,
    stages: [],
    error: { stage: 'build', code: 'build-failed', message: 'no' },
  } satisfies PipelineRun,
  { source: SOURCE },
);
const disabled = subscriptionDisabledEvent(
  { subscription: 'sub_x', host: 'h.example.org', reason: 'gone', since: '2026-12-07T00:00:00.000Z' },
  { source: SOURCE },
);

const sub = (over: Partial<SubscriptionFilter> = {}): SubscriptionFilter => ({
  enabled: true,
  eventTypes: [],
  images: [],
  tags: [],
  ...over,
});

describe('matches(subscription, event)', () => {
  it('an empty filter takes every event; a disabled subscription none', () => {
    for (const e of [updated([]), published, failed, disabled]) {
      expect(matches(sub(), e)).toBe(true);
      expect(matches(sub({ enabled: false }), e)).toBe(false);
    }
  });

  it.each([
    [['image.updated'], [true, false, false]],
    [
      ['image.published', 'pipeline.failed'],
      [false, true, true],
    ],
    [['pr.opened'], [false, false, false]],
  ] as const)('event types %j: [updated, published, failed] = %j', (eventTypes, expected) => {
    expect([updated([]), published, failed].map((e) => matches(sub({ eventTypes: [...eventTypes] }), e))).toEqual(
      expected,
    );
  });

  it.each([
    [['examples/redis'], true],
    [['examples/*'], true],
    [['**/redis'], true],
    [['redis'], false],
    [['other/*', 'examples/re*'], true],
    [['examples/valkey'], false],
  ])('image globs %j on examples/redis: %s; an event naming no image never passes them', (images, expected) => {
    expect(matches(sub({ images }), updated([]))).toBe(expected);
    expect(matches(sub({ images }), failed)).toBe(false);
  });

  it('tag globs: one moved tag must match; an event without tags does not pass', () => {
    const two = updated([], {
      tags: [
        { tag: '8.2', digest: D2, previous: D1 },
        { tag: '8.2-dev', digest: D2 },
      ],
    });
    expect(matches(sub({ tags: ['*-dev'] }), two)).toBe(true);
    expect(matches(sub({ tags: ['9.*'] }), two)).toBe(false);
    expect(matches(sub({ tags: ['8.2'] }), published)).toBe(true);
    expect(matches(sub({ tags: ['8.2'] }), failed)).toBe(false);
  });

  it.each([
    ['critical', [['CVE-1'], true], [['CVE-2', 'CVE-4'], false]],
    ['high', [['CVE-2', 'CVE-4'], true], [['CVE-3'], false]],
    ['low', [['CVE-4'], true], [['X-UNRATED'], false]],
    ['unknown', [['X-UNRATED'], true], [['CVE-5'], false]],
    ['none', [['CVE-5'], true], [[], false]],
  ] as const)('minimum severity %s: the highest fixed severity decides', (minSeverity, pass, fail) => {
    expect(matches(sub({ minSeverity }), updated([...pass[0]]))).toBe(pass[1]);
    expect(matches(sub({ minSeverity }), updated([...fail[0]]))).toBe(fail[1]);
    // Events that carry no severity pass it.
    expect(matches(sub({ minSeverity }), published)).toBe(true);
    expect(matches(sub({ minSeverity }), failed)).toBe(true);
  });

  it('subscription.disabled is filtered by type only (it is addressed to the owner)', () => {
    expect(matches(sub({ images: ['other/*'], tags: ['x'], minSeverity: 'critical' }), disabled)).toBe(true);
    expect(matches(sub({ eventTypes: ['image.updated'] }), disabled)).toBe(false);
  });

  it('ignores events of other producers', () => {
    expect(matches(sub(), { ...published, type: 'com.example.image.published' } as unknown as FactoryCloudEvent)).toBe(
      false,
    );
  });
});

describe('parseSubscriptionInput', () => {
  it('accepts a full input and fills the defaults', () => {
    expect(parseSubscriptionInput({ url: 'https://hooks.example.org/x?y=1' })).toEqual({
      url: 'https://hooks.example.org/x?y=1',
      description: '',
      eventTypes: [],
      images: [],
      tags: [],
    });
    expect(
      parseSubscriptionInput({
        url: 'http://127.0.0.1:9/hook',
        description: 'team A',
        eventTypes: ['image.updated'],
        images: ['examples/**'],
        tags: ['8.*'],
        minSeverity: 'high',
      }),
    ).toMatchObject({ minSeverity: 'high' });
  });

  it.each([
    [{ url: 'ftp://h/x' }, /subscription: url: must be an http:\/\/ or https:\/\/ URL, not ftp:/],
    [{ url: 'https://user:pw@h.example.org/' }, /url: must not carry a user name or password/],
    [{ url: 'not a url' }, /url: "not a url" is not a URL/],
    [{ url: 'https://h.example.org/#frag' }, /url: must not have a #fragment/],
    [{ url: `https://h.example.org/${'a'.repeat(3000)}` }, /url: must be at most 2048 characters/],
    [{ url: 'https://h/', images: ['a**b'] }, /images\.0: "a\*\*b": \*\* must be a whole path segment/],
    [{ url: 'https://h/', images: ['ok/*', 'Bad[x]'] }, /images\.1: "Bad\[x\]" may hold only/],
    [{ url: 'https://h/', images: ['a//b'] }, /images\.0: "a\/\/b" has an empty path segment/],
    [{ url: 'https://h/', images: Array.from({ length: 51 }, () => 'a') }, /images: must list at most 50 globs/],
    [{ url: 'https://h/', images: ['a'.repeat(256)] }, /images\.0: must be at most 255 characters/],
    [{ url: 'https://h/', tags: ['8/2'] }, /tags\.0: may hold only/],
    [{ url: 'https://h/', eventTypes: ['image.deleted'] }, /eventTypes\.0: /],
    [{ url: 'https://h/', eventTypes: ['image.updated', 'image.updated'] }, /eventTypes: lists an event type twice/],
    [{ url: 'https://h/', minSeverity: 'severe' }, /minSeverity: /],
    [{ url: 'https://h/', description: 'a\u202eb' }, /description: must not hold control or bidi characters/],
    [{ url: 'https://h/', secret: 'x' }, /\(body\): Unrecognized key/],
    [null, /\(body\): /],
  ])('refuses %j naming the field', (input, message) => {
    expect(() => parseSubscriptionInput(input)).toThrow(message);
    try {
      parseSubscriptionInput(input);
    } catch (e) {
      expect((e as { code: string }).code).toBe('webhook-subscription-invalid');
    }
  });
});
