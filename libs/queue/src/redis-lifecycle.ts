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

/** PF_REDIS_URL as logs and errors may show it: the user and password replaced (issue 14). */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** Redis refused the credentials (or their rights): waiting longer does not help. */
const AUTH_REFUSED = /\b(NOAUTH|WRONGPASS|NOPERM)\b/;

/**
 * Waits for the first connection, so that a fail-fast (producer) client can run its checks.
 * A server that refuses the credentials fails at once, saying so (never showing the password).
 */
export async function waitUntilReady(redis: Redis, timeoutMs: number, url: string): Promise<void> {
  if (redis.status === 'ready') return;
  const where = redactRedisUrl(url);
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new Error(
          `cannot reach Redis at ${where} within ${timeoutMs} ms (PF_REDIS_URL); is it running? (infra/scripts/redis-start.sh)`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      done();
      resolve();
    };
    const onError = (error: Error) => {
      const refused = AUTH_REFUSED.exec(error.message)?.[1];
      if (!refused) return; // not reachable yet: the reconnects go on until the timeout
      done();
      reject(
        new Error(
          `Redis at ${where} refused the credentials of PF_REDIS_URL (${refused}): give it the user and password of the server (./factory exports them from .data/credentials)`,
        ),
      );
    };
    redis.once('ready', onReady);
    redis.on('error', onError);
  });
}
