import { randomBytes } from 'node:crypto';
import { Worker, type Job, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig, type Env } from '@patch-factory/config';
import {
  imageEventToCloudEvent,
  queueOfJob,
  type CloudEventOf,
  type JobName,
  type WebhookDeliverJob,
  type WebhookFanOutJob,
} from '@patch-factory/contracts';
import { JobProducer, type JobOptionsTable, type JobPolicy } from '@patch-factory/queue';
import { createLogger } from '@patch-factory/telemetry';
import { dropPrefix, sharedRedisUrl, testPrefix, waitFor } from '@patch-factory/testing';
import type { SubscriptionInput } from '@patch-factory/webhooks';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryWorker, type AttemptFn } from './delivery-worker';
import { DeliveryRepository } from './delivery.repository';
import { EventPublisher } from './event-publisher';
import { EventStore } from './event-store';
import { FanOut } from './fan-out';
import { SubscriptionRepository } from './subscription.repository';
import { ManualClock } from './webhook-clock';
import { WebhookSettings } from './webhook-settings';

/** The webhook jobs' policy as the notifier runs them (libs/pipeline JOB_OPTIONS), with short locks for crash tests. */
const policy: JobPolicy = {
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 20 },
  keepCompleted: { ageSeconds: 3_600, count: 50_000 },
  keepFailed: { ageSeconds: 3_600, count: 10_000 },
  lockDurationMs: 30_000,
  maxStalledCount: 3,
};
export const WEBHOOK_JOB_OPTIONS = {
  'webhook.fan-out': policy,
  'webhook.deliver': policy,
  'webhook.run-failed': policy,
} as unknown as JobOptionsTable;

export const WEBHOOKS_QUEUE = queueOfJob('webhook.deliver');

/** The environment of a notifier under test: its own prefix, a fresh secret key, 127.0.0.1 allowed. */
export function notifierEnv(prefix: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    PF_PREFIX: prefix,
    PF_REDIS_URL: sharedRedisUrl(),
    PF_WEBHOOK_SECRET_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    PF_WEBHOOK_ALLOW_CIDRS: '127.0.0.1/32',
    PF_WEBHOOK_SOURCE: '/patch-factory/test',
    PF_BACKOFF_DELAY_MS: '20',
    ...over,
  };
}

/** The parts of the webhook system built directly, over real Redis and a real JobProducer. */
export interface NotifierParts {
  prefix: string;
  config: Env;
  redis: Redis;
  clock: ManualClock;
  settings: WebhookSettings;
  events: EventStore;
  subscriptions: SubscriptionRepository;
  deliveries: DeliveryRepository;
  producer: JobProducer;
  publisher: EventPublisher;
  dispatcher: DeliveryDispatcher;
  fanOut: FanOut;
  worker: DeliveryWorker;
}

export function buildNotifier(
  env: Record<string, string>,
  clock: ManualClock,
  redis: Redis,
  attemptFn?: AttemptFn,
): NotifierParts {
  const config = loadConfig(env);
  const prefix = config.PF_PREFIX;
  const settings = new WebhookSettings(config);
  const events = new EventStore(redis, prefix);
  const subscriptions = new SubscriptionRepository(redis, prefix, settings);
  const deliveries = new DeliveryRepository(redis, prefix);
  const producer = new JobProducer(redis, config, { service: 'test', owns: [], jobOptions: WEBHOOK_JOB_OPTIONS });
  const publisher = new EventPublisher(events, producer, clock);
  const dispatcher = new DeliveryDispatcher(deliveries, producer, clock);
  const fanOut = new FanOut(events, subscriptions, deliveries, dispatcher, clock);
  const logger = createLogger('notifier-test', 'silent');
  const worker = new DeliveryWorker(
    deliveries,
    subscriptions,
    events,
    publisher,
    settings,
    clock,
    logger,
    dispatcher,
    attemptFn,
  );
  return {
    prefix,
    config,
    redis,
    clock,
    settings,
    events,
    subscriptions,
    deliveries,
    producer,
    publisher,
    dispatcher,
    fanOut,
    worker,
  };
}

/** The processor of the `{webhooks}` queue, as WebhookProcessors routes its jobs. */
export function webhookProcessor(parts: Pick<NotifierParts, 'fanOut' | 'worker'>) {
  return async (job: Job): Promise<string> => {
    switch (job.name as JobName) {
      case 'webhook.fan-out':
        return parts.fanOut.fanOut((job.data as WebhookFanOutJob).eventId);
      case 'webhook.deliver':
        return parts.worker.deliver(job.data as WebhookDeliverJob);
      default:
        throw new Error(`unexpected job ${job.name}`);
    }
  };
}

/**
 * A notifier in the test process: the parts, a BullMQ worker on `{webhooks}` (concurrency
 * `concurrency`), the outcomes of its jobs, and the queue drained on demand.
 */
export class TestNotifier {
  readonly parts: NotifierParts;
  readonly outcomes: string[] = [];
  readonly errors: string[] = [];
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];

  private constructor(
    parts: NotifierParts,
    /** The environment it was built from (a child notifier shares it: the same prefix and secret key). */
    readonly env: Record<string, string>,
  ) {
    this.parts = parts;
  }

  static start(
    options: { env?: Record<string, string>; concurrency?: number; attemptFn?: AttemptFn; worker?: boolean } = {},
  ): TestNotifier {
    const prefix = testPrefix();
    const env = notifierEnv(prefix, options.env);
    const redis = new Redis(env['PF_REDIS_URL'] as string, { maxRetriesPerRequest: null });
    const clock = new ManualClock(Date.now());
    const n = new TestNotifier(buildNotifier(env, clock, redis, options.attemptFn), env);
    if (options.worker !== false) n.startWorker(options.concurrency ?? 4);
    return n;
  }

  get clock(): ManualClock {
    return this.parts.clock;
  }

  startWorker(concurrency: number, options: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval'> = {}): Worker {
    const connection = this.parts.redis.duplicate();
    this.connections.push(connection);
    const processor = webhookProcessor(this.parts);
    const w = new Worker(
      WEBHOOKS_QUEUE,
      async (job: Job) => {
        try {
          const outcome = await processor(job);
          this.outcomes.push(outcome);
          return outcome;
        } catch (error) {
          this.errors.push(`${job.name} ${job.id}: ${(error as Error).stack ?? String(error)}`);
          throw error;
        }
      },
      { connection, prefix: this.parts.prefix, concurrency, ...options },
    );
    w.on('error', () => undefined);
    this.workers.push(w);
    return w;
  }

  async createSubscription(
    receiverUrl: string,
    owner = 'team-a',
    filters: Partial<SubscriptionInput> = {},
  ): Promise<{ id: string; secret: string }> {
    const { subscription, secret } = await this.parts.subscriptions.create(
      { url: receiverUrl, description: '', eventTypes: [], images: [], tags: [], ...filters },
      owner,
      this.clock.now(),
    );
    return { id: subscription.id, secret };
  }

  /** Jobs waiting, delayed or active on `{webhooks}`. */
  async busyJobs(): Promise<number> {
    const counts = await this.parts.producer
      .queue(WEBHOOKS_QUEUE)
      .getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /**
   * Waits (bounded) until no job is waiting or running, besides at most `stuck` jobs that stay
   * active (attempts to an endpoint that hangs); throws on a job that failed with an error.
   */
  async drain(what = 'the {webhooks} queue to drain', timeoutMs = 30_000, stuck = 0): Promise<void> {
    await waitFor(
      what,
      async () => {
        const counts = await this.parts.producer
          .queue(WEBHOOKS_QUEUE)
          .getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused');
        const { active = 0, ...rest } = counts;
        return active <= stuck && Object.values(rest).every((c) => c === 0) ? true : undefined;
      },
      timeoutMs,
      20,
    );
    if (this.errors.length > 0) throw new Error(`webhook jobs failed:\n${this.errors.join('\n')}`);
  }

  /** Advances the clock by `ms`, dispatches what is due and waits for it to be processed. */
  async tick(ms: number): Promise<number> {
    this.clock.advance(ms);
    const n = await this.parts.dispatcher.pumpDue();
    await this.drain();
    return n;
  }

  /** Publishes `event` (stored, fanned out by the worker) and waits for the queue to drain. */
  async publish(event: CloudEventOf<'image.published'> | CloudEventOf<'image.updated'>): Promise<void> {
    await this.parts.publisher.publish(event);
    await this.drain();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close(true)));
    for (const c of this.connections) c.disconnect();
    await this.parts.producer.onApplicationShutdown();
    await dropPrefix(sharedRedisUrl(), this.parts.prefix);
    this.parts.redis.disconnect();
  }
}

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

/** An `image.updated` (or `image.published`) CloudEvent of image `examples/<image>` numbered `n` (its id follows n). */
export function imageEvent(
  n: number,
  image = 'redis',
  options: { at?: number; published?: boolean; tag?: string; cves?: string[] } = {},
): CloudEventOf<'image.published'> | CloudEventOf<'image.updated'> {
  const run = `run_01J0Z3W2Y8K8Q0X1V5T6R7S${String(n)
    .padStart(3, '0')
    .replace(/[ILOU]/g, '0')}`;
  return imageEventToCloudEvent(
    {
      id: `${run}:promote:${image}:${n}`,
      type: options.published ? 'image.published' : 'image.updated',
      repository: `127.0.0.1:5000/examples/${image}`,
      digest: D2,
      tags: [{ tag: options.tag ?? '8', digest: D2, ...(options.published ? {} : { previous: D1 }) }],
      cvesFixed: options.cves ?? [],
      runId: run,
      definition: `image/${image}/debian-13/8.yaml`,
      at: options.at ?? Date.UTC(2026, 11, 7, 20, 0, 0),
    },
    { source: '/patch-factory/test', severityOf: () => 'high' },
  );
}
