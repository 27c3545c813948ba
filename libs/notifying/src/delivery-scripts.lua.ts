/*
 * The delivery log's atomic steps (Redis Lua). Every key of a script carries the `{webhooks}` hash
 * tag. A delivery is a hash: state (pending | delivered | failed | cancelled), attempts (made),
 * ticket (the current claim: a job with another ticket is stale and changes nothing).
 */

/** KEYS: delivery, all deliveries, the subscription's deliveries, due. ARGV: id, now, retention s, then field/value pairs. 1 when made, 0 when it existed. */
export const CREATE_DELIVERY = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local now = tonumber(ARGV[2])
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], 'state', 'pending', 'attempts', 0, 'ticket', 0, 'createdAt', now, 'updatedAt', now, 'nextAttemptAt', now, unpack(fields))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
local horizon = now - tonumber(ARGV[3]) * 1000
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', horizon)
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', horizon)
redis.call('ZADD', KEYS[4], now, ARGV[1])
return 1
`;

/**
 * KEYS: due, delivery. ARGV: id, now, lease ms. Claims a due pending delivery: a new ticket, and
 * the entry pushed a lease ahead (a claimer that dies before enqueueing leaves it due again).
 * Returns {ticket, attempt} or nil (not due, gone, or no longer pending: then unlisted).
 */
export const CLAIM_DELIVERY = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return nil end
if redis.call('HGET', KEYS[2], 'state') ~= 'pending' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return nil
end
local ticket = redis.call('HINCRBY', KEYS[2], 'ticket', 1)
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
return {ticket, tonumber(redis.call('HGET', KEYS[2], 'attempts')) + 1}
`;

/**
 * KEYS: delivery, its attempts, due. ARGV: id, ticket, now, next state (delivered | retry | failed | cancelled),
 * next attempt at (retry), attempt JSON ('' when no attempt was made), last status, last error, attempts kept, retention s,
 * why it ended ('' for none), '1' when its end disables the subscription ('' otherwise).
 * 1 when recorded; 0 when the ticket is stale or the delivery is not pending.
 */
export const RECORD_ATTEMPT = `
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
if redis.call('HGET', KEYS[1], 'ticket') ~= ARGV[2] then return 0 end
local now = ARGV[3]
if ARGV[6] ~= '' then
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
  redis.call('RPUSH', KEYS[2], ARGV[6])
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[9]), -1)
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[10]))
  redis.call('HSET', KEYS[1], 'lastStatus', ARGV[7], 'lastError', ARGV[8])
end
redis.call('HSET', KEYS[1], 'updatedAt', now)
if ARGV[4] == 'retry' then
  redis.call('HSET', KEYS[1], 'nextAttemptAt', ARGV[5])
  redis.call('ZADD', KEYS[3], tonumber(ARGV[5]), ARGV[1])
  return 1
end
redis.call('HSET', KEYS[1], 'state', ARGV[4])
redis.call('HDEL', KEYS[1], 'nextAttemptAt')
if ARGV[4] == 'delivered' then redis.call('HSET', KEYS[1], 'deliveredAt', now) end
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[11]) end
if ARGV[12] == '1' then redis.call('HSET', KEYS[1], 'disablesSubscription', '1') end
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
`;

/**
 * KEYS: the endpoint's in-flight leases, its waiting deliveries, due, the delivery. ARGV: now, lease
 * token, lease expiry, cap, delivery id, ticket, fallback time. Takes a slot (a token that holds
 * one already takes it again: the rerun of a job whose notifier died) and returns 1; when all
 * `cap` are taken, puts the delivery (if its ticket is current) on the endpoint's waiting list and
 * due again at the fallback time, in the same step, and returns 0: a slot released after this sees it.
 */
export const ACQUIRE_ENDPOINT_SLOT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(ARGV[3]) - tonumber(ARGV[1])))
  redis.call('ZREM', KEYS[2], ARGV[5])
  return 1
end
if redis.call('HGET', KEYS[4], 'state') == 'pending' and redis.call('HGET', KEYS[4], 'ticket') == ARGV[6] then
  redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[5])
  redis.call('PEXPIRE', KEYS[2], 86400000)
  redis.call('ZADD', KEYS[3], tonumber(ARGV[7]), ARGV[5])
  redis.call('HSET', KEYS[4], 'nextAttemptAt', ARGV[7], 'updatedAt', ARGV[1])
end
return 0
`;

/**
 * KEYS: the endpoint's in-flight leases, its waiting deliveries, due. ARGV: lease token, now.
 * Gives the slot back and hands it to the longest-waiting delivery still due (made due now):
 * its id, for the caller to dispatch at once, or nil.
 */
export const RELEASE_ENDPOINT_SLOT = `
redis.call('ZREM', KEYS[1], ARGV[1])
for i = 1, 20 do
  local popped = redis.call('ZPOPMIN', KEYS[2])
  if #popped == 0 then return false end
  if redis.call('ZSCORE', KEYS[3], popped[1]) then
    redis.call('ZADD', KEYS[3], tonumber(ARGV[2]), popped[1])
    return popped[1]
  end
end
return false
`;

/** KEYS: an endpoint's failing-since. ARGV: now. Notes `now` unless a failure is noted already; since when it fails (one step: a success in between cannot make it read nothing). */
export const NOTE_ENDPOINT_FAILURE = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`;
