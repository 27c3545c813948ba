import type { Redis } from 'ioredis';
import type { Logger } from '@patch-factory/telemetry';

/** The Redis server is configured in a way that would lose jobs. */
export class RedisConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisConfigError';
  }
}

function infoField(info: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return m?.[1]?.trim();
}

/**
 * Startup check of the Redis server (INFO, so it works where CONFIG is disabled):
 * maxmemory-policy must be noeviction (evicted BullMQ keys mean lost or corrupt jobs);
 * AOF off is a loud warning unless explicitly allowed.
 */
export async function checkRedisServer(
  redis: Redis,
  options: { allowNoAof: boolean; logger: Logger },
): Promise<{ version: string; aof: boolean; policy: string }> {
  const info = await redis.info();
  const version = infoField(info, 'redis_version') ?? 'unknown';
  const policy = infoField(info, 'maxmemory_policy') ?? 'unknown';
  const aof = infoField(info, 'aof_enabled') === '1';
  if (policy !== 'noeviction') {
    throw new RedisConfigError(
      `Redis maxmemory-policy is "${policy}"; patch-factory needs "noeviction" (set maxmemory-policy noeviction in redis.conf, as infra/redis.conf does)`,
    );
  }
  const major = Number(version.split('.')[0]);
  if (Number.isFinite(major) && major < 6) {
    throw new RedisConfigError(`Redis ${version} is too old; BullMQ needs Redis 6.2 or newer`);
  }
  if (!aof) {
    if (options.allowNoAof) {
      options.logger.warn({ redisVersion: version }, 'redis append-only file is off (allowed by PF_REDIS_ALLOW_NO_AOF)');
    } else {
      options.logger.error(
        { redisVersion: version, fix: 'appendonly yes + appendfsync everysec, or PF_REDIS_ALLOW_NO_AOF=true' },
        'REDIS APPEND-ONLY FILE IS OFF: a Redis restart can lose queued and running jobs',
      );
    }
  }
  return { version, aof, policy };
}
