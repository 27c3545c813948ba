import type { Redis } from 'ioredis';
import { StoreKeys } from './store-keys';

/**
 * What the watcher remembers per source: its polling state (ETags, cursors) and when each
 * version was first seen. First-seen is written once (HSETNX), so replicas that see the same
 * version agree on its time, which drives the minimum release age (soak time).
 */
export class WatchStateRepository {
  private readonly keys: StoreKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StoreKeys(prefix);
  }

  async state(target: string): Promise<Record<string, string>> {
    const raw = await this.redis.get(this.keys.watchState(target));
    if (!raw) return {};
    try {
      const parsed: unknown = JSON.parse(raw);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, string>)
        : {};
    } catch {
      return {};
    }
  }

  async saveState(target: string, state: Record<string, string>): Promise<void> {
    await this.redis.set(this.keys.watchState(target), JSON.stringify(state));
  }

  /** When `version` of `target` was first seen (now, if this is the first time) and whether it is new. */
  async firstSeen(target: string, version: string, now: number): Promise<{ at: number; fresh: boolean }> {
    const key = this.keys.seenVersions(target);
    const [[, set], [, at]] = (await this.redis
      .multi()
      .hsetnx(key, version, String(now))
      .hget(key, version)
      .exec()) as [[unknown, number], [unknown, string]];
    return { at: Number(at), fresh: set === 1 };
  }
}
