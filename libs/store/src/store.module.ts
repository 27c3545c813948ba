import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { PatchRequestRepository } from './patch-request.repository';
import { DeliveryLog, PullRequestLinks } from './pull-request-links.repository';
import { AdvisoryRepository } from './advisory.repository';
import { ReleaseRepository } from './release.repository';
import { RunRepository, type RunRetention } from './run.repository';

/** What the store keeps (from config: PF_RUN_RETENTION_DAYS, PF_ADVISORY_DOCUMENTS_MAX). */
export interface StoreRetention extends RunRetention {
  maxAdvisoryDocuments?: number;
}
import { WatchStateRepository } from './watch-state.repository';

/** Injection token of the ioredis client the store uses (provided by the queue module). */
export const STORE_REDIS = Symbol('patch-factory.store-redis');
export const STORE_PREFIX = Symbol('patch-factory.store-prefix');
/** Injection token of the store's retention (StoreRetention; provided by the queue module from config; optional). */
export const STORE_RETENTION = Symbol('patch-factory.store-retention');

@Global()
@Module({})
export class StoreModule {
  static forRoot(): DynamicModule {
    return {
      module: StoreModule,
      providers: [
        {
          provide: RunRepository,
          inject: [STORE_REDIS, STORE_PREFIX, { token: STORE_RETENTION, optional: true }],
          useFactory: (redis: Redis, prefix: string, retention?: StoreRetention) =>
            new RunRepository(redis, prefix, retention),
        },
        {
          provide: PullRequestLinks,
          inject: [STORE_REDIS, STORE_PREFIX],
          useFactory: (redis: Redis, prefix: string) => new PullRequestLinks(redis, prefix),
        },
        {
          provide: DeliveryLog,
          inject: [STORE_REDIS, STORE_PREFIX],
          useFactory: (redis: Redis, prefix: string) => new DeliveryLog(redis, prefix),
        },
        {
          provide: AdvisoryRepository,
          inject: [STORE_REDIS, STORE_PREFIX, { token: STORE_RETENTION, optional: true }],
          useFactory: (redis: Redis, prefix: string, retention?: StoreRetention) =>
            new AdvisoryRepository(redis, prefix, retention?.maxAdvisoryDocuments),
        },
        {
          provide: WatchStateRepository,
          inject: [STORE_REDIS, STORE_PREFIX],
          useFactory: (redis: Redis, prefix: string) => new WatchStateRepository(redis, prefix),
        },
        {
          provide: ReleaseRepository,
          inject: [STORE_REDIS, STORE_PREFIX],
          useFactory: (redis: Redis, prefix: string) => new ReleaseRepository(redis, prefix),
        },
        {
          provide: PatchRequestRepository,
          inject: [STORE_REDIS, STORE_PREFIX],
          useFactory: (redis: Redis, prefix: string) => new PatchRequestRepository(redis, prefix),
        },
      ],
      exports: [
        RunRepository,
        PullRequestLinks,
        DeliveryLog,
        PatchRequestRepository,
        WatchStateRepository,
        AdvisoryRepository,
        ReleaseRepository,
      ],
    };
  }
}
