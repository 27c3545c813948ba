import { Redis } from 'ioredis';
import { coalesceWrites } from './coalesce-writes';

/**
 * How a connection behaves while Redis is away (BullMQ's production guidance):
 * - `worker`: commands wait for the reconnect (maxRetriesPerRequest null, offline queue on),
 *   so that workers ride out a Redis restart;
 * - `producer`: commands fail fast (no offline queue), so that an HTTP request that enqueues
 *   gets an error at once instead of hanging.
 */
export type RedisProfile = 'worker' | 'producer';

export function createRedis(url: string, profile: RedisProfile, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: profile === 'worker' ? null : 1,
    enableOfflineQueue: profile === 'worker',
    enableReadyCheck: true,
    // Exponential backoff with jitter, capped at 2 s: reconnect forever.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000) + Math.floor(Math.random() * 100),
    reconnectOnError: (err) => err.message.includes('READONLY'),
  });
  return coalesceWrites(redis);
}
