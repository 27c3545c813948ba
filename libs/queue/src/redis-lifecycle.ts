import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CONFIG, type Env } from '@patch-factory/config';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import { REDIS_CONNECTION } from './queue.options';
import { checkRedisServer } from './redis-server.check';

/** Checks the Redis server before any worker starts; closes the connection last. */
@Injectable()
export class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS_CONNECTION) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: Env,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await checkRedisServer(this.redis, { allowNoAof: this.config.PF_REDIS_ALLOW_NO_AOF, logger: this.logger });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
