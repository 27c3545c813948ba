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
    super(id, `advisory ${id}: its OSV document is ${bytes} bytes, more than ${MAX_ADVISORY_DOCUMENT_BYTES}: not stored`);
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
    super(id, `advisory ${id}: modified ${JSON.stringify(modified.slice(0, 64))} is in the future (more than ${MAX_ADVISORY_CLOCK_SKEW_MS / 60_000} minutes ahead of this clock): not stored`);
    this.name = 'AdvisoryFromTheFutureError';
  }
}

/**
 * Replaces the stored document when there is none or the given one is strictly newer
 * (KEYS[1] the hash, ARGV: id, modifiedMs, the entry's JSON). Returns 1 when written.
 */
const SAVE_IF_NEWER = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local ok, old = pcall(cjson.decode, cur)
  if ok and type(old) == 'table' and tonumber(old['modifiedMs']) and tonumber(old['modifiedMs']) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

interface StoredEntry {
  modifiedMs: number;
  osv: OsvAdvisory;
}

/**
 * Saves `osv` in the hash at `key` unless an entry as new or newer (by `modified`) is there. True
 * when written. Throws AdvisoryDocumentRefusedError (nothing written) for a document too large or
 * modified in the future.
 */
export async function saveAdvisoryDocument(redis: Redis, key: string, osv: OsvAdvisory, now = Date.now()): Promise<boolean> {
  const modifiedMs = Date.parse(osv.modified);
  if (!Number.isFinite(modifiedMs)) throw new Error(`advisory ${osv.id}: modified ${JSON.stringify(osv.modified.slice(0, 64))} is not a date: not stored`);
  if (modifiedMs > now + MAX_ADVISORY_CLOCK_SKEW_MS) throw new AdvisoryFromTheFutureError(osv.id, osv.modified);
  const entry: StoredEntry = { modifiedMs, osv };
  const json = JSON.stringify(entry);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_ADVISORY_DOCUMENT_BYTES) throw new AdvisoryDocumentTooLargeError(osv.id, bytes);
  return (await redis.eval(SAVE_IF_NEWER, 1, key, osv.id, String(modifiedMs), json)) === 1;
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
