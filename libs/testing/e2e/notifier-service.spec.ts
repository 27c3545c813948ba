// The webhook system as an operator deploys it: the api service (subscriptions over HTTP) and the
// notifier service (fan-out, deliveries, the pump of due attempts) as separate processes on real
// Redis, and a subscriber's receiver that verifies every delivery with standardwebhooks. The
// notify stage's part (publishing the run's events) is played by EventPublisher, as NotifyExecutor
// calls it; the whole pipeline does it in pipeline-e2e.spec.ts.
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { imageEventToCloudEvent } from '@patch-factory/contracts';
import { EventPublisher, EventStore, systemClock } from '@patch-factory/notifying';
import { JOB_OPTIONS } from '@patch-factory/pipeline';
import { JobProducer } from '@patch-factory/queue';
import { BackboneFixture, waitFor, type ApiClient } from '../src';
import { startWebhookSubscriber, webhookTestEnv, type WebhookSubscriber } from '../src/webhook-subscriber.fixture';

const DIGEST = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('the api and notifier services deliver image events to a subscriber', () => {
  const env = webhookTestEnv();
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn', ...env });
  let api: ApiClient;
  let subscriber: WebhookSubscriber;
  let redis: Redis;
  let publisher: EventPublisher;

  beforeAll(async () => {
    subscriber = await startWebhookSubscriber();
    api = await fx.startApi();
    await fx.startService('dist/services/notifier/src/main.js', { PF_LOG_LEVEL: 'info' });
    redis = new Redis(fx.redisUrl, { maxRetriesPerRequest: null });
    const config = loadConfig({ ...process.env, PF_PREFIX: fx.prefix, PF_REDIS_URL: fx.redisUrl, ...env });
    const producer = new JobProducer(redis, config, { service: 'test', owns: [], jobOptions: JOB_OPTIONS });
    publisher = new EventPublisher(new EventStore(redis, fx.prefix), producer, systemClock);
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await fx.close();
    await subscriber?.close();
  }, 60_000);

  it('a subscription made over the API gets a verified image.updated for its image, and nothing for another image', async () => {
    const created = await api.request<{ subscription: { id: string }; secret: string }>(
      'POST',
      '/webhooks/subscriptions',
      { url: subscriber.url, images: ['examples/redis'], eventTypes: ['image.updated'] },
    );
    expect(created.status).toBe(201);
    subscriber.useSecret(created.body.secret);

    const event = (image: string, n: number) =>
      imageEventToCloudEvent(
        {
          id: `run_${n}:promote`,
          type: 'image.updated',
          repository: `registry.example/${image}`,
          digest: DIGEST(n + 1),
          tags: [{ tag: '7', digest: DIGEST(n + 1), previous: DIGEST(n) }],
          cvesFixed: ['CVE-2026-1000'],
          runId: `run_${n}`,
          definition: `image/${image.split('/')[1]}/debian-12/7.yaml`,
          at: Date.now(),
        },
        { source: 'urn:patch-factory:e2e', severityOf: () => 'high' },
      );
    const other = event('examples/nginx', 1);
    const mine = event('examples/redis', 2);
    await publisher.publish(other);
    await publisher.publish(mine);
    // Published twice (a retried notify stage): one event, one delivery.
    await publisher.publish(mine);

    const got = await waitFor(
      'the image.updated delivery',
      () => Promise.resolve(subscriber.verified.find((d) => d.event.id === mine.id)),
      60_000,
      100,
    );
    expect(got.webhookId).toBe(mine.id);
    expect(got.event.data).toMatchObject({
      image: 'examples/redis',
      cvesFixed: [{ id: 'CVE-2026-1000', severity: 'high' }],
      tags: [{ tag: '7', digest: DIGEST(3), previous: DIGEST(2) }],
    });

    // The delivery log over the API: one delivery, delivered on its first attempt, with status and latency.
    const log = await waitFor(
      'the delivery log',
      async () => {
        const res = await api.request<{ deliveries: { id: string; state: string; eventId: string }[] }>(
          'GET',
          `/webhooks/deliveries?subscription=${created.body.subscription.id}`,
        );
        return res.body.deliveries.every((d) => d.state === 'delivered') && res.body.deliveries.length > 0
          ? res.body.deliveries
          : undefined;
      },
      30_000,
      100,
    );
    expect(log.map((d) => d.eventId)).toEqual([mine.id]);
    const one = await api.request<{ attempts: { attempt: number; status: number; outcome: string }[] }>(
      'GET',
      `/webhooks/deliveries/${log[0]?.id}`,
    );
    expect(one.body.attempts).toEqual([expect.objectContaining({ attempt: 1, status: 204, outcome: 'delivered' })]);
    expect(subscriber.verified.filter((d) => d.event.id === mine.id)).toHaveLength(1);
    expect(subscriber.verified.some((d) => d.event.id === other.id)).toBe(false);
    expect(subscriber.rejected).toBe(0);
  }, 120_000);
});
