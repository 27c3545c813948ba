import type { Redis } from 'ioredis';
import type { OsvAdvisory } from '@patch-factory/contracts';
import { StoreKeys } from './store-keys';

/** What the SLA engine needs of an advisory: kept when the factory first sees it. */
export interface AdvisoryRecord {
  id: string;
  aliases: string[];
  severity?: string;
  published?: string;
  modified: string;
  /** When the factory first saw a fixed version for it (epoch ms). */
  fixAvailableAt: number;
}

/**
 * Advisories and the image streams they touch. The record is written once (the first time
 * the advisory is seen with a fix: its `fixAvailableAt` must not move); the streams grow as
 * the planner finds affected definitions.
 */
export class AdvisoryRepository {
  private readonly keys: StoreKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StoreKeys(prefix);
  }

  async record(osv: OsvAdvisory, fixAvailableAt: number): Promise<AdvisoryRecord> {
    const severity = osv.database_specific?.severity ?? osv.affected.map((a) => a.database_specific?.severity).find((s) => !!s);
    const rec: AdvisoryRecord = {
      id: osv.id,
      aliases: osv.aliases ?? [],
      modified: osv.modified,
      fixAvailableAt,
      ...(severity ? { severity } : {}),
      ...(osv.published ? { published: osv.published } : {}),
    };
    await this.redis.set(this.keys.advisory(osv.id), JSON.stringify(rec), 'NX');
    return (await this.get(osv.id)) ?? rec;
  }

  async get(id: string): Promise<AdvisoryRecord | undefined> {
    const raw = await this.redis.get(this.keys.advisory(id));
    return raw ? (JSON.parse(raw) as AdvisoryRecord) : undefined;
  }

  /** An image stream the advisory touches (`image/<name>/<os>/<stream>`). */
  async addStream(id: string, stream: string): Promise<void> {
    await this.redis.sadd(this.keys.advisoryStreams(id), stream);
  }

  async streams(id: string): Promise<string[]> {
    return (await this.redis.smembers(this.keys.advisoryStreams(id))).sort();
  }
}
