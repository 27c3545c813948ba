import type { Redis } from 'ioredis';

/**
 * Redis memory as health reports it. With `maxmemory-policy noeviction` (infra/redis.conf) a
 * full Redis refuses writes (OOM) rather than dropping jobs: `pressure` is the warning before
 * that, at PF_REDIS_MEMORY_PRESSURE_PERCENT of `maxmemory`; `unbounded` when no maxmemory is set
 * (the host runs out first).
 */
export interface RedisMemory {
  state: 'ok' | 'pressure' | 'unbounded';
  usedBytes: number;
  /** `maxmemory` (0: none). */
  maxBytes: number;
  /** usedBytes of maxBytes, rounded to a tenth of a percent (absent when unbounded). */
  percent?: number;
  policy: string;
}

/** Reads INFO memory (allowed to the services' ACL user) and classifies it against `pressurePercent`. */
export async function readRedisMemory(redis: Redis, pressurePercent: number): Promise<RedisMemory> {
  const info = await redis.info('memory');
  const field = (name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const usedBytes = Number(field('used_memory') ?? 0);
  const maxBytes = Number(field('maxmemory') ?? 0);
  const policy = field('maxmemory_policy') ?? 'unknown';
  if (!(maxBytes > 0)) return { state: 'unbounded', usedBytes, maxBytes: 0, policy };
  const percent = Math.round((usedBytes / maxBytes) * 1000) / 10;
  return { state: percent >= pressurePercent ? 'pressure' : 'ok', usedBytes, maxBytes, percent, policy };
}
