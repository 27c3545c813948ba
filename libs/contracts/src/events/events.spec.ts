import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { CloudEvent } from 'cloudevents';
import { ImageEventSchema, type ImageEvent } from '../image-event.schema';
import type { PipelineRun } from '../pipeline-run.schema';
import { CloudEventEnvelopeSchema, type FactoryCloudEvent } from './cloud-event.schema';
import type { ImageUpdatedData } from './event-data.schema';
import { eventId } from './event-id';
import { eventJsonSchemas } from './event-json-schemas';
import { dataSchemaUri, EVENT_NAMES, eventNameOf, eventType, fixedSeverities } from './event-types';
import { imageEventToCloudEvent } from './image-event-to-cloud-event';
import { pipelineFailedEvent, prMergedEvent, prOpenedEvent, subscriptionDisabledEvent } from './run-event-builders';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;
const SOURCE = '/patch-factory/test';
const RUN = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';

/** A stored image event as promote appends it (promote.executor.ts: id `${runId}:promote`, repository host/image). */
const stored = (over: Partial<ImageEvent> = {}): ImageEvent =>
  ImageEventSchema.parse({
    id: `${RUN}:promote`,
    type: 'image.updated',
    repository: '127.0.0.1:5000/examples/redis',
    digest: D2,
    tags: [
      { tag: '8', digest: D2, previous: D1 },
      { tag: '8.2', digest: D2, previous: D3 },
      { tag: '8.2.1', digest: D2 },
    ],
    cvesFixed: ['CVE-2025-0002', 'CVE-2025-0001', 'DSA-5000-1', 'CVE-2025-0003'],
    runId: RUN,
    definition: 'image/redis/debian-13/8.yaml',
    at: Date.UTC(2026, 11, 7, 20, 0, 0),
    ...over,
  });

const SEVERITIES: Record<string, 'critical' | 'high' | 'medium' | 'low'> = {
  'CVE-2025-0001': 'high',
  'CVE-2025-0002': 'critical',
  'CVE-2025-0003': 'low',
};

const failedRun = (message: string, withPr = true): PipelineRun => ({
  id: RUN,
  definition: 'image/redis/debian-13/8.yaml',
  trigger: { kind: 'upstream', ref: 'pr_1' },
  state: 'failed',
  createdAt: 1_000,
  updatedAt: 2_000,
  finishedAt: 3_000,
  stages: [
    { stage: 'build', status: 'failed', attempts: 1, artifacts: {}, error: { code: 'build-failed', message } },
    {
      stage: 'review',
      status: 'succeeded',
      attempts: 1,
      artifacts: withPr ? { 'pr.url': 'http://127.0.0.1:9/o/r/pull/7', 'pr.number': '7' } : {},
    },
  ],
  error: { stage: 'build', code: 'build-failed', message },
});

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
for (const s of eventJsonSchemas()) ajv.addSchema(s.schema);
const envelopes = new Map(eventJsonSchemas().map((s) => [s.type, ajv.compile(s.envelope)]));

/** The event passes the cloudevents package's strict validation and its data its own published JSON Schema. */
function expectValid(event: FactoryCloudEvent): void {
  expect(() => new CloudEvent<unknown>({ ...event }, true)).not.toThrow();
  expect(CloudEventEnvelopeSchema.safeParse(event).success).toBe(true);
  const envelope = envelopes.get(event.type)!;
  expect(envelope(JSON.parse(JSON.stringify(event)))).toBe(true);
  expect(envelope({ ...event, dataschema: 'urn:patch-factory:events:other:v9' })).toBe(false);
  const validate = ajv.getSchema(event.dataschema);
  expect(validate).toBeDefined();
  const ok = validate!(JSON.parse(JSON.stringify(event.data)));
  expect(validate!.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe('events: CloudEvents 1.0 envelope and versioned data', () => {
  it('maps a stored image.updated event to tags with old and new digests and CVEs by severity', () => {
    const event = imageEventToCloudEvent(stored(), {
      source: SOURCE,
      severityOf: (id) => SEVERITIES[id],
      references: [{ kind: 'sbom-cyclonedx', digest: D3, mediaType: 'application/vnd.cyclonedx+json' }],
    });
    expectValid(event);
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'dev.patch-factory.image.updated',
      source: SOURCE,
      subject: 'examples/redis',
      time: '2026-12-07T20:00:00.000Z',
      datacontenttype: 'application/json',
      dataschema: 'urn:patch-factory:events:image.updated:v1',
    });
    expect(event.type === 'dev.patch-factory.image.updated' && event.data).toMatchObject({
      image: 'examples/redis',
      repository: '127.0.0.1:5000/examples/redis',
      digest: D2,
      tags: [
        { tag: '8', digest: D2, previous: D1 },
        { tag: '8.2', digest: D2, previous: D3 },
        { tag: '8.2.1', digest: D2 },
      ],
      cvesFixed: [
        { id: 'CVE-2025-0002', severity: 'critical' },
        { id: 'CVE-2025-0001', severity: 'high' },
        { id: 'CVE-2025-0003', severity: 'low' },
        { id: 'DSA-5000-1', severity: 'unknown' },
      ],
      highestSeverityFixed: 'critical',
      references: [{ kind: 'sbom-cyclonedx', digest: D3 }],
    });
  });

  it('maps a first publication to image.published with its tags, no CVEs', () => {
    const event = imageEventToCloudEvent(
      stored({ type: 'image.published', tags: [{ tag: '8', digest: D2 }], cvesFixed: [] }),
      { source: SOURCE },
    );
    expectValid(event);
    expect(event.type).toBe(eventType('image.published'));
    expect(event.data).toEqual({
      image: 'examples/redis',
      repository: '127.0.0.1:5000/examples/redis',
      digest: D2,
      definition: 'image/redis/debian-13/8.yaml',
      runId: RUN,
      references: [],
      tags: [{ tag: '8', digest: D2 }],
    });
  });

  it('gives the same id for the same fact (a retried notify) and different ids for other facts or types', () => {
    const a = imageEventToCloudEvent(stored(), { source: SOURCE });
    const b = imageEventToCloudEvent(stored(), { source: SOURCE, severityOf: () => 'high' });
    const other = imageEventToCloudEvent(stored({ id: 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8PA:promote' }), { source: SOURCE });
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(other.id);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventId('pipeline.failed', RUN)).not.toBe(eventId('pr.opened', RUN));
  });

  it('refuses a stored event whose repository has no host, naming it', () => {
    expect(() => imageEventToCloudEvent(stored({ repository: 'redis' }), { source: SOURCE })).toThrow(
      /repository redis has no registry host/,
    );
    expect(() => imageEventToCloudEvent(stored(), { source: 'has space' })).toThrow(
      /event image.updated, source: .*URI-reference/,
    );
    expect(() => imageEventToCloudEvent(stored({ repository: '127.0.0.1:5000/Bad_Name' }), { source: SOURCE })).toThrow(
      /data\.image: expected an OCI repository name/,
    );
  });

  it('builds pipeline.failed from a failed run with its stage, code, reason and pull request', () => {
    const event = pipelineFailedEvent(failedRun('apt-get exited 100'), { source: SOURCE });
    expectValid(event);
    expect(event.data).toEqual({
      runId: RUN,
      definition: 'image/redis/debian-13/8.yaml',
      stage: 'build',
      code: 'build-failed',
      reason: 'apt-get exited 100',
      pullRequest: { url: 'http://127.0.0.1:9/o/r/pull/7', number: 7 },
    });
    expect(event.subject).toBe('image/redis/debian-13/8.yaml');
    expect(event.time).toBe(new Date(3_000).toISOString());
    expect(
      pipelineFailedEvent(failedRun('x', false), { source: SOURCE, image: 'examples/redis' }).data,
    ).not.toHaveProperty('pullRequest');
    expect(() => pipelineFailedEvent({ ...failedRun('x'), state: 'succeeded' }, { source: SOURCE })).toThrow(
      /has not failed/,
    );
  });

  it('bounds and cleans hostile reasons: control and bidi characters, huge text', () => {
    const hostile = `evil\u0000\u001b[31m\u202e\nline2\r\n${'A'.repeat(1_000_000)}`;
    const event = pipelineFailedEvent(failedRun(hostile), { source: SOURCE });
    expectValid(event);
    const reason = event.data.reason;
    expect(reason.length).toBeLessThanOrEqual(1001);
    // eslint-disable-next-line no-control-regex
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(reason.startsWith('evil??[31m? line2 AAA')).toBe(true);
    const disabled = subscriptionDisabledEvent(
      {
        subscription: 'sub_1',
        host: 'hooks.example.org',
        reason: `410 Gone\u0007${'x'.repeat(5000)}`,
        since: '2026-12-07T20:00:00.000Z',
      },
      { source: SOURCE },
    );
    expectValid(disabled);
    expect(disabled.data.reason.length).toBeLessThanOrEqual(1001);
  });

  it('builds pr.opened, pr.merged and subscription.disabled, each valid, ids one per fact', () => {
    const pr = {
      repository: 'o/r',
      number: 7,
      url: 'http://127.0.0.1:9/o/r/pull/7',
      patchRequest: 'pr_1',
      image: 'examples/redis',
    };
    const { image: _image, ...withoutImage } = pr;
    const opened = prOpenedEvent(pr, { source: SOURCE, at: 5_000 });
    const merged = prMergedEvent({ ...pr, mergeCommit: 'a'.repeat(40) }, { source: SOURCE, at: 6_000 });
    expectValid(opened);
    expectValid(merged);
    expect(opened.id).not.toBe(merged.id);
    expect(prOpenedEvent(pr, { source: SOURCE, at: 7_000 }).id).toBe(opened.id);
    expect(prOpenedEvent(withoutImage, { source: SOURCE, at: 5_000 }).subject).toBe('o/r#7');
    const disabled = subscriptionDisabledEvent(
      {
        subscription: 'sub_1',
        host: 'hooks.example.org',
        reason: 'failing for 5 days',
        since: '2026-12-07T20:00:00.000Z',
      },
      { source: SOURCE },
    );
    expectValid(disabled);
    expect(disabled.subject).toBe('sub_1');
    expect(() => prOpenedEvent({ ...pr, url: 'javascript:alert(1)' }, { source: SOURCE, at: 1 })).toThrow(
      /data\.url: expected an http\(s\) URL/,
    );
  });

  it('publishes one JSON Schema per event, named by its dataschema, and rejects bad data', () => {
    const schemas = eventJsonSchemas();
    expect(schemas.map((s) => s.name)).toEqual([...EVENT_NAMES]);
    for (const s of schemas) {
      expect(s.schema.$id).toBe(dataSchemaUri(s.name));
      expect(eventNameOf(s.type)).toBe(s.name);
    }
    const updated = ajv.getSchema(dataSchemaUri('image.updated'))!;
    expect(updated({ image: 'examples/redis' })).toBe(false);
    const good = imageEventToCloudEvent(stored(), { source: SOURCE }).data;
    expect(updated({ ...good, cvesFixed: [{ id: 'CVE-1', severity: 'severe' }] })).toBe(false);
    // A field added later to v1 is accepted by a v1 consumer.
    expect(updated({ ...good, addedLater: true })).toBe(true);
    expect(eventNameOf('com.example.image.updated')).toBeUndefined();
  });

  it('reads the severities of the fixed vulnerabilities from a scan report diff, the highest per id', () => {
    const fixed = [
      { id: 'CVE-1', package: 'libc6', severity: 'medium' },
      { id: 'CVE-1', package: 'libc-bin', severity: 'high' },
      { id: 'CVE-2', severity: 'none' },
      { id: 'CVE-3', severity: 'bogus' },
      { id: 42, severity: 'critical' },
      null,
    ];
    const map = fixedSeverities(fixed);
    expect([...map]).toEqual([
      ['CVE-1', 'high'],
      ['CVE-2', 'none'],
      ['CVE-3', 'unknown'],
    ]);
    expect(fixedSeverities({ not: 'an array' }).size).toBe(0);
    const event = imageEventToCloudEvent(stored({ cvesFixed: ['CVE-1', 'CVE-2', 'CVE-3'] }), {
      source: SOURCE,
      severityOf: (id) => map.get(id),
    });
    expect((event.data as ImageUpdatedData).cvesFixed.map((c) => c.severity)).toEqual(['high', 'unknown', 'none']);
  });

  it('is checked by the cloudevents package for real: a broken envelope fails its strict validation', () => {
    const event = imageEventToCloudEvent(stored(), { source: SOURCE });
    expect(() => new CloudEvent({ ...event, time: 'yesterday' }, true)).toThrow();
    expect(() => new CloudEvent({ ...event, source: '' }, true)).toThrow();
    expect(() => new CloudEvent({ ...event, dataschema: 'not a uri' }, true)).toThrow();
  });
});
