import { Global, Module } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { JobProducer } from '@patch-factory/queue';
import { STORE_PREFIX, STORE_REDIS } from '@patch-factory/store';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import type { Redis } from 'ioredis';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryReplay } from './delivery-replay';
import { DeliveryWorker } from './delivery-worker';
import { DeliveryRepository } from './delivery.repository';
import { EventPublisher } from './event-publisher';
import { EventStore } from './event-store';
import { FanOut } from './fan-out';
import { SubscriptionRepository } from './subscription.repository';
import { WEBHOOK_CLOCK, systemClock, type WebhookClock } from './webhook-clock';
import { DeliveryPump, WebhookProcessors } from './webhook.processors';
import { WEBHOOK_SETTINGS_EXTRA, WebhookSettings } from './webhook-settings';

const storeProviders = [
  { provide: WEBHOOK_CLOCK, useValue: systemClock },
  {
    provide: WebhookSettings,
    inject: [CONFIG, { token: WEBHOOK_SETTINGS_EXTRA, optional: true }],
    useFactory: (config: Env, extra?: ConstructorParameters<typeof WebhookSettings>[1]) =>
      new WebhookSettings(config, extra),
  },
  {
    provide: SubscriptionRepository,
    inject: [STORE_REDIS, STORE_PREFIX, WebhookSettings],
    useFactory: (redis: Redis, prefix: string, settings: WebhookSettings) =>
      new SubscriptionRepository(redis, prefix, settings),
  },
  {
    provide: DeliveryRepository,
    inject: [STORE_REDIS, STORE_PREFIX],
    useFactory: (redis: Redis, prefix: string) => new DeliveryRepository(redis, prefix),
  },
  {
    provide: EventStore,
    inject: [STORE_REDIS, STORE_PREFIX],
    useFactory: (redis: Redis, prefix: string) => new EventStore(redis, prefix),
  },
  {
    provide: EventPublisher,
    inject: [EventStore, JobProducer, WEBHOOK_CLOCK],
    useFactory: (events: EventStore, producer: JobProducer, clock: WebhookClock) =>
      new EventPublisher(events, producer, clock),
  },
  {
    provide: DeliveryDispatcher,
    inject: [DeliveryRepository, JobProducer, WEBHOOK_CLOCK],
    useFactory: (deliveries: DeliveryRepository, producer: JobProducer, clock: WebhookClock) =>
      new DeliveryDispatcher(deliveries, producer, clock),
  },
  {
    provide: DeliveryReplay,
    inject: [DeliveryRepository, SubscriptionRepository, EventStore, DeliveryDispatcher, WEBHOOK_CLOCK],
    useFactory: (
      deliveries: DeliveryRepository,
      subscriptions: SubscriptionRepository,
      events: EventStore,
      dispatcher: DeliveryDispatcher,
      clock: WebhookClock,
    ) => new DeliveryReplay(deliveries, subscriptions, events, dispatcher, clock),
  },
];

/**
 * The webhook system's state, for every process that reads or changes it (the API: subscriptions,
 * the delivery log, replays, feeds; the notifier): settings (checked at boot), repositories, the
 * publisher, the dispatcher, replays. No job handler: the API imports it without becoming a notifier.
 */
@Global()
@Module({ providers: storeProviders, exports: storeProviders.map((p) => p.provide) })
export class WebhookStoreModule {}

/**
 * The notifier: the `webhook.fan-out`, `webhook.deliver` and `webhook.run-failed` handlers and the
 * pump of due attempts. Global, like the other stage modules: the stage executors are made in
 * the pipeline's module, and the notify stage's finds EventPublisher and WebhookSettings here.
 */
@Global()
@Module({
  imports: [WebhookStoreModule],
  providers: [
    {
      provide: FanOut,
      inject: [EventStore, SubscriptionRepository, DeliveryRepository, DeliveryDispatcher, WEBHOOK_CLOCK],
      useFactory: (
        events: EventStore,
        subscriptions: SubscriptionRepository,
        deliveries: DeliveryRepository,
        dispatcher: DeliveryDispatcher,
        clock: WebhookClock,
      ) => new FanOut(events, subscriptions, deliveries, dispatcher, clock),
    },
    {
      provide: DeliveryWorker,
      inject: [
        DeliveryRepository,
        SubscriptionRepository,
        EventStore,
        EventPublisher,
        WebhookSettings,
        WEBHOOK_CLOCK,
        LOGGER,
        DeliveryDispatcher,
      ],
      useFactory: (
        deliveries: DeliveryRepository,
        subscriptions: SubscriptionRepository,
        events: EventStore,
        publisher: EventPublisher,
        settings: WebhookSettings,
        clock: WebhookClock,
        logger: Logger,
        dispatcher: DeliveryDispatcher,
      ) => new DeliveryWorker(deliveries, subscriptions, events, publisher, settings, clock, logger, dispatcher),
    },
    WebhookProcessors,
    DeliveryPump,
  ],
  exports: [WebhookStoreModule],
})
export class NotifyingModule {}

/** The jobs the notifier handles besides its stage. */
export const NOTIFYING_JOBS = [
  'webhook.fan-out',
  'webhook.deliver',
  'webhook.run-failed',
  'webhook.pr-opened',
] as const;
