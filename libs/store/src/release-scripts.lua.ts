/**
 * The fencing check every store write of a promotion starts with (KEYS[lockIndex] the lock,
 * KEYS[lockIndex + 1] the fencing counter, ARGV[fenceIndex] the caller's fencing number): the
 * write goes on only when no promotion took the repository's lock after the caller did (the
 * counter is still the caller's number). Otherwise the script returns
 * `{'fenced', <current fencing number>, <lock value or ''>}` and writes nothing.
 */
const fenceCheck = (lockIndex: number, fenceIndex: number) => `
local current = redis.call('GET', KEYS[${lockIndex + 1}])
if current ~= ARGV[${fenceIndex}] then
  return {'fenced', current or '0', redis.call('GET', KEYS[${lockIndex}]) or ''}
end
`;

/**
 * Records a run's promotion plan unless one is recorded (first writer wins), fenced.
 * KEYS: 1 the run's promotion (hash), 2 the repository's lock, 3 its fencing counter.
 * ARGV: 1 the plan JSON, 2 the promotion TTL (s), 3 the caller's fencing number.
 * Returns `{'ok', <the recorded plan JSON>}` or the fenced reply.
 */
export const PROMOTION_PLAN = `${fenceCheck(2, 3)}
redis.call('HSETNX', KEYS[1], 'plan', ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return {'ok', redis.call('HGET', KEYS[1], 'plan')}
`;

/**
 * The store writes of one promotion, in one Lua script run atomically by Redis
 * (ReleaseRepository.commitPromotion), fenced.
 *
 * KEYS: 1 the repository's release tags (hash), 2 its history (list), 3 the run's promotion
 * (hash: `plan`, `moved:<tag>`, `done`), 4 the image event stream, 5 the event's seen key,
 * 6 the definition's published image, 7 the repository's promotion lock, 8 its fencing counter.
 * ARGV: 1 JSON array of `{tag, current, history}` (strings of JSON; '' for none), 2 the event
 * JSON ('' for none), 3 the published image JSON ('' for none), 4 history length, 5 stream
 * length, 6 event seen TTL (s), 7 promotion TTL (s), 8 the caller's fencing number.
 * Returns `{'ok', tags recorded now, 1 if the event was appended now else 0}`, or the fenced reply.
 */
export const PROMOTION_COMMIT = `${fenceCheck(7, 8)}
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
  -- The seen key holds the event itself: the notify stage reads it back by id (ReleaseRepository.event).
  if redis.call('SET', KEYS[5], ARGV[2], 'EX', tonumber(ARGV[6]), 'NX') then
    redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'event', ARGV[2])
    appended = 1
  end
end
if ARGV[3] ~= '' then redis.call('SET', KEYS[6], ARGV[3]) end
redis.call('HSET', KEYS[3], 'done', '1')
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[7]))
return {'ok', recorded, appended}
`;

/** The reply of a fenced write refused: the current fencing number and the lock's value (`<fence> <runId>`, or '' when it lapsed). */
export type FencedReply = ['fenced', string, string];

/** The reply of PROMOTION_PLAN. */
export type PromotionPlanReply = ['ok', string] | FencedReply;

/** The reply of PROMOTION_COMMIT. */
export type PromotionCommitReply = ['ok', string[], number] | FencedReply;

/**
 * Takes the promotion lock of a release repository for a run, with a new fencing number.
 * KEYS[1] the lock (value `<fence> <runId>`), KEYS[2] the repository's fencing counter (INCR).
 * ARGV[1] the run id, ARGV[2] the time to live (ms). Free, or held by the same run (a delivery
 * of it that crashed, or stalled and was redelivered): taken with the next fencing number, so
 * that the earlier holder's writes are refused from now on. Returns `{1, fence}` when taken, else
 * `{0, holder's fence, holder's run}`.
 */
export const PROMOTION_LOCK = `
local value = redis.call('GET', KEYS[1])
if value then
  local fence, run = string.match(value, '^(%d+) (.*)$')
  if run ~= ARGV[1] then return {0, tonumber(fence) or 0, run or value} end
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], fence .. ' ' .. ARGV[1], 'PX', tonumber(ARGV[2]))
return {1, fence, ARGV[1]}
`;

/**
 * Renews the lock held with fencing number ARGV[1] (run ARGV[2]) for ARGV[3] ms. A lock that
 * lapsed is taken again when nobody took it since (the counter is still ARGV[1]). KEYS[1] the
 * lock, KEYS[2] the fencing counter. Returns 1 when the caller holds the lock now, else 0.
 */
export const PROMOTION_RENEW = `
local value = redis.call('GET', KEYS[1])
local mine = ARGV[1] .. ' ' .. ARGV[2]
if value == mine or (not value and redis.call('GET', KEYS[2]) == ARGV[1]) then
  redis.call('SET', KEYS[1], mine, 'PX', tonumber(ARGV[3]))
  return 1
end
return 0
`;

/** Releases the lock if it is held with fencing number ARGV[1]. KEYS[1] the lock. Returns 1 when released. */
export const PROMOTION_RELEASE = `
local value = redis.call('GET', KEYS[1])
if value and string.match(value, '^(%d+) ') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Releases the lock if run ARGV[1] holds it, whatever its fencing number (a finished run letting go of a lock a killed delivery of it left). KEYS[1] the lock. */
export const PROMOTION_UNLOCK = `
local value = redis.call('GET', KEYS[1])
if value and string.match(value, '^%d+ (.*)$') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
