import { RUN_STATES } from '@patch-factory/contracts';

/**
 * Lua scripts for atomic PipelineRun transitions. KEYS[1] is the run hash; KEYS[2..] are
 * the state index sorted sets in RUN_STATES order. ARGV[1] is the run id, ARGV[2] the
 * stage, ARGV[3] the time (ms). Each returns a status word first.
 */
const PRELUDE = `
local runKey = KEYS[1]
local id, stage, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local STATE_INDEX = {${RUN_STATES.map((s, i) => `${s}=${i + 2}`).join(', ')}}
local function setState(new)
  local old = redis.call('HGET', runKey, 'state')
  if old and old ~= new and STATE_INDEX[old] then redis.call('ZREM', KEYS[STATE_INDEX[old]], id) end
  redis.call('ZADD', KEYS[STATE_INDEX[new]], now, id)
  redis.call('HSET', runKey, 'state', new, 'updatedAt', now)
end
local function getStage(name)
  local raw = redis.call('HGET', runKey, 'stage:' .. name)
  if not raw then return nil end
  return cjson.decode(raw)
end
local function putStage(name, rec)
  redis.call('HSET', runKey, 'stage:' .. name, cjson.encode(rec))
end
-- The stage after this one in the run's own stage list ('' after the last).
local function stageAfter(name)
  local order = redis.call('HGET', runKey, 'order') or ''
  local found = false
  for s in string.gmatch(order, '[^,]+') do
    if found then return s end
    if s == name then found = true end
  end
  return ''
end
if redis.call('EXISTS', runKey) == 0 then return {'missing'} end
local rec = getStage(stage)
if not rec then return {'no-stage'} end
local state = redis.call('HGET', runKey, 'state')
`;

/** A worker starts (or restarts) a stage; 'done' also names the next stage. */
export const START_STAGE = `${PRELUDE}
if rec.status == 'succeeded' then return {'done', stageAfter(stage)} end
if state == 'failed' or state == 'succeeded' then return {'ended', state} end
rec.status = 'running'
rec.attempts = rec.attempts + 1
if not rec.startedAt then rec.startedAt = now end
putStage(stage, rec)
setState('running')
return {'started', tostring(rec.attempts)}
`;

/** A stage succeeded: record it and queue the run's next stage (returned), or finish the run. ARGV[4] duration, ARGV[5] artifacts JSON. */
export const COMPLETE_STAGE = `${PRELUDE}
if rec.status == 'succeeded' then return {'dup', stageAfter(stage)} end
if state == 'failed' or state == 'succeeded' then return {'ended', state} end
rec.status = 'succeeded'
rec.finishedAt = now
rec.durationMs = tonumber(ARGV[4])
for k, v in pairs(cjson.decode(ARGV[5])) do rec.artifacts[k] = v end
rec.error = nil
rec.awaiting = nil
putStage(stage, rec)
local nextStage = stageAfter(stage)
if nextStage ~= '' then
  local n = getStage(nextStage)
  if n and n.status == 'pending' then
    n.status = 'queued'
    n.queuedAt = now
    putStage(nextStage, n)
  end
  setState('running')
else
  setState('succeeded')
  redis.call('HSET', runKey, 'finishedAt', now)
  redis.call('HINCRBY', runKey, 'completions', 1)
end
return {'ok', nextStage}
`;

/** A stage waits for something outside the pipeline (e.g. a merge). ARGV[4] reason. */
export const AWAIT_STAGE = `${PRELUDE}
if rec.status == 'succeeded' then return {'dup'} end
if state == 'failed' or state == 'succeeded' then return {'ended', state} end
rec.status = 'awaiting'
rec.awaiting = ARGV[4]
putStage(stage, rec)
setState('awaiting')
return {'ok'}
`;

/** One attempt failed and will be retried. ARGV[4] code, ARGV[5] message. */
export const NOTE_ATTEMPT_FAILURE = `${PRELUDE}
if rec.status == 'succeeded' then return {'dup'} end
rec.error = {code = ARGV[4], message = ARGV[5]}
if rec.status == 'running' then rec.status = 'queued' end
putStage(stage, rec)
redis.call('HSET', runKey, 'updatedAt', now)
return {'ok'}
`;

/** The run fails at this stage (terminal error, attempts exhausted, dead-lettered). */
export const FAIL_RUN = `${PRELUDE}
if rec.status == 'succeeded' then return {'dup'} end
if state == 'failed' or state == 'succeeded' then return {'dup'} end
rec.status = 'failed'
rec.finishedAt = now
rec.error = {code = ARGV[4], message = ARGV[5]}
putStage(stage, rec)
redis.call('HSET', runKey, 'error', cjson.encode({stage = stage, code = ARGV[4], message = ARGV[5]}), 'finishedAt', now)
setState('failed')
return {'ok'}
`;

/** A dead-lettered stage is put back: the run runs again from that stage. */
export const REOPEN_STAGE = `${PRELUDE}
if rec.status == 'succeeded' then return {'dup'} end
rec.status = 'queued'
rec.finishedAt = nil
rec.error = nil
rec.queuedAt = now
putStage(stage, rec)
redis.call('HDEL', runKey, 'error', 'finishedAt')
setState('running')
return {'ok'}
`;
