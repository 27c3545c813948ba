import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CONFIG, type Env } from '@patch-factory/config';
import { STORE_PREFIX, STORE_REDIS, STORE_RETENTION, type StoreRetention } from '@patch-factory/store';
import { DEAD_LETTER_HOOKS } from './dead-letter.hooks';
import { DeadLetterService } from './dead-letter.service';
import { HandlerRegistry } from './handler-registry';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { JobProducer } from './job-producer';
import { ProgressTracker } from './progress-tracker';
import { QUEUE_OPTIONS, REDIS_CONNECTION, type QueueModuleOptions } from './queue.options';
import { createRedis } from './redis-connection';
import { RedisLifecycle } from './redis-lifecycle';
import { RedisOutageMonitor } from './redis-outage.monitor';
import { WorkerHost } from './worker-host';

/**
 * BullMQ for Nest: one Redis connection, the typed producer, the workers of the jobs the
 * service owns (validated at boot), dead letters, health and metrics endpoints.
 */
@Global()
@Module({})
export class QueueModule {
  static forRoot(options: QueueModuleOptions): DynamicModule {
    return {
      module: QueueModule,
      imports: [DiscoveryModule],
      controllers: [HealthController],
      providers: [
        { provide: QUEUE_OPTIONS, useValue: options },
        {
          provide: REDIS_CONNECTION,
          inject: [CONFIG],
          useFactory: (config: Env) =>
            createRedis(config.PF_REDIS_URL, options.profile ?? 'worker', `pf:${options.service}`),
        },
        { provide: STORE_REDIS, useExisting: REDIS_CONNECTION },
        { provide: STORE_PREFIX, inject: [CONFIG], useFactory: (config: Env) => config.PF_PREFIX },
        {
          provide: STORE_RETENTION,
          inject: [CONFIG],
          useFactory: (config: Env): StoreRetention => ({
            finishedRunMs: config.PF_RUN_RETENTION_DAYS * 86_400_000,
            maxAdvisoryDocuments: config.PF_ADVISORY_DOCUMENTS_MAX,
          }),
        },
        ...(options.deadLetterHooks ? [{ provide: DEAD_LETTER_HOOKS, useClass: options.deadLetterHooks }] : []),
        RedisOutageMonitor,
        RedisLifecycle,
        JobProducer,
        ProgressTracker,
        HandlerRegistry,
        DeadLetterService,
        WorkerHost,
        HealthService,
      ],
      exports: [
        RedisOutageMonitor,
        REDIS_CONNECTION,
        STORE_REDIS,
        STORE_PREFIX,
        STORE_RETENTION,
        JobProducer,
        DeadLetterService,
        HealthService,
        WorkerHost,
      ],
    };
  }
}
