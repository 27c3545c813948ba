import type { Redis } from 'ioredis';

/** Documents dropped at most per save (a store far over its cap shrinks over several saves). */
const DROP_BATCH = 100;

/**
 * Indexes a stored document by its `modified` and keeps the store at `max` documents (KEYS: the
 * documents hash, the index sorted set; ARGV: id, modifiedMs, max, batch): beyond it, those modified
 * longest ago are dropped, never the one just saved. Returns the ids dropped. Documents stored
 * before the index existed are indexed when saved again (until then they are not dropped).
 */
const INDEX_AND_CAP = `
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[1])
local over = redis.call('HLEN', KEYS[1]) - tonumber(ARGV[3])
if over <= 0 then return {} end
local candidates = redis.call('ZRANGE', KEYS[2], 0, math.min(over, tonumber(ARGV[4])))
local dropped = {}
for _, id in ipairs(candidates) do
  if #dropped >= over or #dropped >= tonumber(ARGV[4]) then break end
  if id ~= ARGV[1] then
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    dropped[#dropped + 1] = id
  end
end
return dropped
`;

/** After a document was stored: index it and drop the oldest-modified beyond `max` (PF_ADVISORY_DOCUMENTS_MAX). Returns the ids dropped. */
export async function capAdvisoryDocuments(
  redis: Redis,
  documentsKey: string,
  indexKey: string,
  id: string,
  modifiedMs: number,
  max: number,
): Promise<string[]> {
  return (await redis.eval(
    INDEX_AND_CAP,
    2,
    documentsKey,
    indexKey,
    id,
    String(modifiedMs),
    String(max),
    String(DROP_BATCH),
  )) as string[];
}
