import type { Redis } from 'ioredis';
import type { OsvAdvisory } from '@patch-factory/contracts';

/** Largest OSV document kept (its JSON, in bytes). */
export const MAX_ADVISORY_DOCUMENT_BYTES = 1024 * 1024;

/** How far in the future an advisory's `modified` may be (clocks differ): beyond, the document is refused. */
export const MAX_ADVISORY_CLOCK_SKEW_MS = 5 * 60_000;

/** An OSV document the store refuses (nothing written); the message says why. */
export class AdvisoryDocumentRefusedError extends Error {
  constructor(
    readonly id: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdvisoryDocumentRefusedError';
  }
}

/** An OSV document refused because its JSON is larger than MAX_ADVISORY_DOCUMENT_BYTES. */
export class AdvisoryDocumentTooLargeError extends AdvisoryDocumentRefusedError {
  constructor(
    id: string,
    readonly bytes: number,
  ) {
    super(
      id,
      `advisory ${id}: its OSV document is ${bytes} bytes, more than ${MAX_ADVISORY_DOCUMENT_BYTES}: not stored`,
    );
    this.name = 'AdvisoryDocumentTooLargeError';
  }
}

/**
 * An OSV document whose `modified` is later than now (beyond MAX_ADVISORY_CLOCK_SKEW_MS): since
 * the newest `modified` wins, storing it would make every real update of that advisory lose
 * (a poisoned `modified: 9999-12-31…` would pin a forged document for good).
 */
export class AdvisoryFromTheFutureError extends AdvisoryDocumentRefusedError {
  constructor(id: string, modified: string) {
    super(
      id,
      `advisory ${id}: modified ${JSON.stringify(modified.slice(0, 64))} is in the future (more than ${MAX_ADVISORY_CLOCK_SKEW_MS / 60_000} minutes ahead of this clock): not stored`,
    );
    this.name = 'AdvisoryFromTheFutureError';
  }
}

/** The source of the documents POST /events/advisory stores (a feed's source is its watch target key). */
export const API_ADVISORY_SOURCE = 'api';

/**
 * Where a document comes from: a configured feed (`source` its watch target key) or the API
 * (`source: 'api'`, `admin` when the caller holds the admin scope).
 */
export interface AdvisoryDocumentOrigin {
  source: string;
  /** The API caller holds the admin scope: it may replace a feed's document. */
  admin?: boolean;
}

/**
 * An API document refused because the stored document of that advisory came from a feed (and the
 * caller does not hold the admin scope): a feed's document is replaced by the feed only.
 */
export class AdvisoryOwnedByFeedError extends AdvisoryDocumentRefusedError {
  readonly code = 'advisory-owned-by-feed';
  constructor(
    id: string,
    readonly feed: string,
  ) {
    super(
      id,
      `advisory ${id}: its stored document comes from the feed ${JSON.stringify(feed.slice(0, 200))}; only that feed (or a caller with the admin scope) may replace it: not stored`,
    );
    this.name = 'AdvisoryOwnedByFeedError';
  }
}

/**
 * Stores a document unless the stored one outranks it (KEYS[1] the hash; ARGV: id, modifiedMs,
 * the entry's JSON, source, '1' when an admin API caller). Per source: the newest `modified` wins.
 * Across sources: an API document never replaces a feed's unless from an admin (answer
 * `{'owned', feed}`); a feed's document replaces an API document posted without the admin
 * scope whatever its `modified` (an API caller cannot pre-empt a feed with a later date);
 * otherwise the newest wins. An entry without a source (stored before sources were kept) is
 * nobody's: the newest wins. Answers `{'stored'}` or `{'older'}` otherwise.
 */
const SAVE_IF_NEWER = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local ok, old = pcall(cjson.decode, cur)
  if ok and type(old) == 'table' then
    local oldSource = old['source']
    local oldIsFeed = type(oldSource) == 'string' and oldSource ~= 'api'
    if ARGV[4] == 'api' and oldIsFeed and ARGV[5] ~= '1' then
      return {'owned', oldSource}
    end
    local outranks = ARGV[4] ~= 'api' and oldSource == 'api' and old['admin'] ~= true
    if not outranks and tonumber(old['modifiedMs']) and tonumber(old['modifiedMs']) >= tonumber(ARGV[2]) then
      return {'older'}
    end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return {'stored'}
`;

interface StoredEntry {
  modifiedMs: number;
  /** Where it came from (absent: stored before sources were kept). */
  source?: string;
  admin?: boolean;
  osv: OsvAdvisory;
}

/**
 * Saves `osv` from `origin` in the hash at `key` unless the stored entry outranks it (see
 * SAVE_IF_NEWER: per source the newest `modified` wins; an API document never replaces a feed's
 * unless from an admin). True when written, false when a document as new or newer is kept.
 * Throws AdvisoryDocumentRefusedError (nothing written) for a document too large, modified in the
 * future, or (AdvisoryOwnedByFeedError) owned by a feed.
 */
export async function saveAdvisoryDocument(
  redis: Redis,
  key: string,
  osv: OsvAdvisory,
  origin: AdvisoryDocumentOrigin,
  now = Date.now(),
): Promise<boolean> {
  const modifiedMs = Date.parse(osv.modified);
  if (!Number.isFinite(modifiedMs))
    throw new Error(
      `advisory ${osv.id}: modified ${JSON.stringify(osv.modified.slice(0, 64))} is not a date: not stored`,
    );
  if (modifiedMs > now + MAX_ADVISORY_CLOCK_SKEW_MS) throw new AdvisoryFromTheFutureError(osv.id, osv.modified);
  if (!origin.source) throw new Error(`advisory ${osv.id}: no source given: not stored`);
  const admin = origin.source === API_ADVISORY_SOURCE && origin.admin === true;
  const entry: StoredEntry = { modifiedMs, source: origin.source, ...(admin ? { admin } : {}), osv };
  const json = JSON.stringify(entry);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_ADVISORY_DOCUMENT_BYTES) throw new AdvisoryDocumentTooLargeError(osv.id, bytes);
  const [outcome, owner] = (await redis.eval(
    SAVE_IF_NEWER,
    1,
    key,
    osv.id,
    String(modifiedMs),
    json,
    origin.source,
    admin ? '1' : '0',
  )) as [string, string?];
  if (outcome === 'owned') throw new AdvisoryOwnedByFeedError(osv.id, owner ?? 'unknown');
  return outcome === 'stored';
}

/** The stored document of one advisory and where it came from, if any. */
export async function readAdvisoryDocument(
  redis: Redis,
  key: string,
  id: string,
): Promise<{ osv: OsvAdvisory; source?: string } | undefined> {
  const raw = await redis.hget(key, id);
  if (!raw) return undefined;
  const entry = JSON.parse(raw) as StoredEntry;
  return { osv: entry.osv, ...(entry.source !== undefined ? { source: entry.source } : {}) };
}

/** Every stored document, `batch` hash fields at a time (HSCAN: memory bounded per batch). */
export async function* scanAdvisoryDocuments(redis: Redis, key: string, batch: number): AsyncGenerator<OsvAdvisory> {
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(key, cursor, 'COUNT', batch);
    cursor = next;
    for (let i = 1; i < flat.length; i += 2) {
      const entry = JSON.parse(flat[i] as string) as StoredEntry;
      yield entry.osv;
    }
  } while (cursor !== '0');
}
