import type { Redis } from 'ioredis';
import type { Logger } from '@patch-factory/telemetry';

/** The Redis server is configured in a way that would lose jobs or acknowledged writes. */
export class RedisConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisConfigError';
  }
}

/** What the startup check found. `fsync` is undefined when CONFIG GET is not allowed on the server. */
export interface RedisServerFacts {
  version: string;
  aof: boolean;
  fsync: string | undefined;
  policy: string;
}

/** The persistence patch-factory's guarantee rests on (infra/redis.conf). */
export const REQUIRED_PERSISTENCE = 'appendonly yes + appendfsync always (infra/redis.conf)';

function infoField(info: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return m?.[1]?.trim();
}

/** CONFIG GET of one parameter, or undefined when CONFIG is disabled or renamed on this server. */
async function configGet(redis: Redis, name: string): Promise<string | undefined> {
  try {
    const reply: unknown = await redis.call('CONFIG', 'GET', name);
    if (Array.isArray(reply) && reply.length >= 2 && typeof reply[1] === 'string') return reply[1];
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * Startup check of the Redis server.
 *
 * - maxmemory-policy must be noeviction (evicted BullMQ keys mean lost or corrupt jobs): refused.
 * - "Acknowledged means durable" (issue 13): the append-only file must be on with
 *   `appendfsync always`, so that every write (a trigger's run record, a job, a stage
 *   transition) is on disk before Redis answers it. Anything weaker (AOF off, `everysec`,
 *   `no`) is REFUSED with a RedisConfigError, unless PF_REDIS_ALLOW_NO_AOF=true (development
 *   and benchmarks), which boots with one warning naming what is lost.
 * - When the server does not allow CONFIG GET (managed Redis), the fsync policy cannot be
 *   seen: an error-level line says so, and the service boots (AOF off, seen in INFO, is still refused).
 *   INFO does not show appendfsync, so the ACL user of infra/scripts/redis-start.sh (`pf`) keeps
 *   CONFIG GET (and INFO) while every other @dangerous command, CONFIG SET included, is denied.
 */
export async function checkRedisServer(
  redis: Redis,
  options: { allowNoAof: boolean; logger: Logger },
): Promise<RedisServerFacts> {
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
  const fsync = aof ? await configGet(redis, 'appendfsync') : undefined;
  const facts: RedisServerFacts = { version, aof, fsync, policy };

  const weakness = !aof
    ? 'the append-only file is off: a Redis restart loses every queued and running job and every run since the last snapshot'
    : fsync !== undefined && fsync !== 'always'
      ? `appendfsync is "${fsync}": a host crash or power loss can lose writes Redis already acknowledged (triggers answered 2xx, stage transitions)`
      : undefined;
  if (weakness !== undefined) {
    if (options.allowNoAof) {
      options.logger.warn(
        { redisVersion: version, aof, appendfsync: fsync, required: REQUIRED_PERSISTENCE },
        `redis durability below the guarantee, allowed by PF_REDIS_ALLOW_NO_AOF: ${weakness}`,
      );
      return facts;
    }
    throw new RedisConfigError(
      `Redis persistence is too weak: ${weakness}. patch-factory needs ${REQUIRED_PERSISTENCE}; ` +
        'set them in redis.conf (or CONFIG SET appendonly yes / appendfsync always), or set PF_REDIS_ALLOW_NO_AOF=true for development or benchmarks only',
    );
  }
  if (aof && fsync === undefined) {
    options.logger.error(
      { redisVersion: version, required: REQUIRED_PERSISTENCE },
      'REDIS FSYNC POLICY CANNOT BE CHECKED (CONFIG GET refused): acknowledged writes are durable only if the server runs appendfsync always',
    );
  }
  return facts;
}
