import type { Redis } from 'ioredis';
import type { OsvAdvisory } from '@patch-factory/contracts';
import {
  readAdvisoryDocument,
  saveAdvisoryDocument,
  scanAdvisoryDocuments,
  type AdvisoryDocumentOrigin,
} from './advisory-documents';
import { capAdvisoryDocuments } from './advisory-document-cap';
import { StoreKeys } from './store-keys';

/** OSV documents kept when no config says otherwise (PF_ADVISORY_DOCUMENTS_MAX's default). */
export const DEFAULT_ADVISORY_DOCUMENTS_MAX = 200_000;

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

  /** `maxDocuments`: OSV documents kept at most (PF_ADVISORY_DOCUMENTS_MAX); beyond, those modified longest ago are dropped. */
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly maxDocuments = DEFAULT_ADVISORY_DOCUMENTS_MAX,
  ) {
    this.keys = new StoreKeys(prefix);
  }

  /**
   * Records the advisory a feed delivered (`origin.source`: its watch target key): its metadata
   * the first time only, its OSV document when newer than the stored one (saveDocument). Throws
   * AdvisoryDocumentRefusedError (nothing written) for a document too large or modified in the future.
   */
  async record(osv: OsvAdvisory, fixAvailableAt: number, origin: AdvisoryDocumentOrigin): Promise<AdvisoryRecord> {
    await this.saveDocument(osv, origin);
    const severity =
      osv.database_specific?.severity ?? osv.affected.map((a) => a.database_specific?.severity).find((s) => !!s);
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

  /**
   * Keeps `osv`, recording where it came from (a feed's target key, or `api`), unless the stored
   * document outranks it: per source the newest `modified` wins; a document from the API never
   * replaces a feed's unless `origin.admin` (AdvisoryOwnedByFeedError, nothing written); a feed's
   * replaces one the API stored without admin. True when written.
   */
  async saveDocument(osv: OsvAdvisory, origin: AdvisoryDocumentOrigin): Promise<boolean> {
    const stored = await saveAdvisoryDocument(this.redis, this.keys.advisoryDocuments(), osv, origin);
    // Bounded (issue 14): indexed by `modified`, the store keeps at most maxDocuments documents.
    if (stored)
      await capAdvisoryDocuments(
        this.redis,
        this.keys.advisoryDocuments(),
        this.keys.advisoryDocumentsByModified(),
        osv.id,
        Date.parse(osv.modified),
        this.maxDocuments,
      );
    return stored;
  }

  /** The stored OSV document of one advisory and the source it came from, if any. */
  async document(id: string): Promise<{ osv: OsvAdvisory; source?: string } | undefined> {
    return readAdvisoryDocument(this.redis, this.keys.advisoryDocuments(), id);
  }

  /** Every stored OSV document, read `batch` at a time (HSCAN), in no particular order. */
  async *documents(batch = 500): AsyncGenerator<OsvAdvisory> {
    yield* scanAdvisoryDocuments(this.redis, this.keys.advisoryDocuments(), batch);
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
