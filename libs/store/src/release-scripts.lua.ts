/**
 * The store writes of one promotion, in one Lua script run atomically by Redis
 * (ReleaseRepository.commitPromotion).
 *
 * KEYS: 1 the repository's release tags (hash), 2 its history (list), 3 the run's promotion
 * (hash: `plan`, `moved:<tag>`, `done`), 4 the image event stream, 5 the event's seen key,
 * 6 the definition's published image.
 * ARGV: 1 JSON array of `{tag, current, history}` (strings of JSON; '' for none), 2 the event
 * JSON ('' for none), 3 the published image JSON ('' for none), 4 history length, 5 stream
 * length, 6 event seen TTL (s), 7 promotion TTL (s).
 * Returns `{ tags recorded now, 1 if the event was appended now else 0 }`.
 */
export const PROMOTION_COMMIT = `
local recorded = {}
if ARGV[1] ~= '' then
  for _, m in ipairs(cjson.decode(ARGV[1])) do
    -- The idempotency key of a tag move: (run, tag).
    if redis.call('HSETNX', KEYS[3], 'moved:' .. m.tag, '1') == 1 then
      redis.call('HSET', KEYS[1], m.tag, m.current)
      redis.call('LPUSH', KEYS[2], m.history)
      recorded[#recorded + 1] = m.tag
    end
  end
  if #recorded > 0 then redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1) end
end
local appended = 0
if ARGV[2] ~= '' then
  if redis.call('SET', KEYS[5], '1', 'EX', tonumber(ARGV[6]), 'NX') then
    redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'event', ARGV[2])
    appended = 1
  end
end
if ARGV[3] ~= '' then redis.call('SET', KEYS[6], ARGV[3]) end
redis.call('HSET', KEYS[3], 'done', '1')
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[7]))
return {recorded, appended}
`;

/** The reply of PROMOTION_COMMIT. */
export type PromotionCommitReply = [string[], number];

/**
 * Takes (or renews) the promotion lock of a release repository for a run. KEYS[1] the lock,
 * ARGV[1] the run id, ARGV[2] its time to live (ms). Returns '' when the run holds it now, else
 * the id of the run that holds it (a run killed while holding it takes it back when retried).
 */
export const PROMOTION_LOCK = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return holder end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return ''
`;

/** Releases the promotion lock if the run holds it. KEYS[1] the lock, ARGV[1] the run id. */
export const PROMOTION_UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
