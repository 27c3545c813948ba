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
    await waitUntilReady(this.redis, 15_000, this.config.PF_REDIS_URL);
    await checkRedisServer(this.redis, { allowNoAof: this.config.PF_REDIS_ALLOW_NO_AOF, logger: this.logger });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Waits for the first connection, so that a fail-fast (producer) client can run its checks. */
async function waitUntilReady(redis: Redis, timeoutMs: number, url: string): Promise<void> {
  if (redis.status === 'ready') return;
  const where = url.replace(/\/\/[^@/]*@/, '//***@');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`cannot reach Redis at ${where} within ${timeoutMs} ms (PF_REDIS_URL); is it running? (infra/scripts/redis-start.sh)`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
