import { RUN_STATES } from '@patch-factory/contracts';

/**
 * The PipelineRun transitions, in Lua, run atomically by Redis. They are sent as one
 * script that applies a batch of operations in order (see TransitionBatcher), so that
 * the transitions of many runs issued at the same moment cost one round trip.
 *
 * KEYS[1] is the index of all runs; KEYS[2..] the state index sorted sets in RUN_STATES
 * order; then two keys per operation: the run hash and an auxiliary key (the run's
 * definition index for `create`, the run hash again otherwise).
 * ARGV[1] is the number of operations; then OP_ARITY values per operation:
 * name, run id, stage, time (ms), a4, a5, a6 (the fencing token of the execution, '' when
 * the transition comes from outside a stage job). Each operation returns a table whose first
 * element is a status word ('error' and the message when the operation raised: the
 * others of the batch still apply); the script returns the list of those tables.
 */
export const OP_ARITY = 7;
export const FIXED_KEYS = 1 + RUN_STATES.length;

/** Names of the operations the script knows. */
export type TransitionOp =
  'create' | 'start' | 'complete' | 'await' | 'note-failure' | 'fail' | 'reopen' | 'supersede' | 'unstart';

/**
 * Preamble of an operation on an existing stage of an existing run: one HMGET reads what
 * every transition needs; writes are collected with put() and sent by one HSET (flush).
 * A state index is touched only when the run's state changes.
 */
const ON_STAGE = `
local got = redis.call('HMGET', runKey, 'state', 'stage:' .. stage, 'order')
local state, raw, order = got[1], got[2], got[3] or ''
if not state then return {'missing'} end
if not raw then return {'no-stage'} end
local rec = cjson.decode(raw)
if type(rec.artifacts) ~= 'table' then rec.artifacts = {} end
local w = {}
local function put(k, v) w[#w + 1] = k; w[#w + 1] = v end
local function putStage(name, r) put('stage:' .. name, cjson.encode(r)) end
local function setState(new)
  if state ~= new then
    if STATE_INDEX[state] then redis.call('ZREM', KEYS[STATE_INDEX[state]], id) end
    redis.call('ZADD', KEYS[STATE_INDEX[new]], now, id)
  end
  put('state', new)
end
local function flush()
  put('updatedAt', now)
  redis.call('HSET', runKey, unpack(w))
end
-- The stage after this one in the run's own stage list ('' after the last).
local function stageAfter(name)
  local found = false
  for s in string.gmatch(order, '[^,]+') do
    if found then return s end
    if s == name then found = true end
  end
  return ''
end
-- The stage before this one ('' for the first) and whether it has succeeded.
local function stageBefore(name)
  local prev = ''
  for s in string.gmatch(order, '[^,]+') do
    if s == name then return prev end
    prev = s
  end
  return prev
end
local function previousSucceeded(name)
  local prev = stageBefore(name)
  if prev == '' then return true, prev end
  local praw = redis.call('HGET', runKey, 'stage:' .. prev)
  if not praw then return true, prev end
  return cjson.decode(praw).status == 'succeeded', prev
end
-- Fencing: a6 is the token of the execution asking ('' from outside a stage job). Answers
-- a refusal {word, detail} when the transition is out of date, nil when it may apply.
-- With a token: the stage must be running under that very token ('stale' when another
-- execution started it since, 'not-started' when no start is recorded or it is no longer
-- running). Without one (an outside event such as a merge): the stage must have been started
-- (running or awaiting). Either way the run's previous stage must have succeeded.
local fenced = a6 ~= nil and a6 ~= ''
local function refusal()
  if fenced then
    if rec.token == nil or rec.token == '' then return {'not-started', rec.status} end
    if rec.token ~= a6 then return {'stale', 'the stage was started again since'} end
    if rec.status ~= 'running' then return {'not-started', rec.status} end
  elseif rec.status ~= 'running' and rec.status ~= 'awaiting' then
    return {'not-started', rec.status}
  end
  local ok, prev = previousSucceeded(stage)
  if not ok then return {'out-of-order', prev} end
  return nil
end
-- A refused transition changes nothing but the stage's refusal count.
local function refuse(r)
  rec.refusals = (rec.refusals or 0) + 1
  redis.call('HSET', runKey, 'stage:' .. stage, cjson.encode(rec))
  return r
end
-- A finished stage answered to an execution that is not the one whose completion was accepted.
local function staleOnDone()
  return fenced and rec.completedToken ~= nil and rec.completedToken ~= a6
end
`;

const BODIES: Record<TransitionOp, string> = {
  /** A new run: a4 is the flat JSON array of its hash fields and values; queued from the start. */
  create: `
if redis.call('EXISTS', runKey) == 1 then return {'exists'} end
redis.call('HSET', runKey, unpack(cjson.decode(a4)))
redis.call('ZADD', KEYS[1], now, id)
redis.call('ZADD', auxKey, now, id)
redis.call('ZADD', KEYS[STATE_INDEX['queued']], now, id)
return {'ok'}
`,

  /**
   * A worker starts (or restarts) a stage under the token a6 of this execution, which
   * replaces the token of any earlier execution; every start counts an attempt, a concurrent
   * duplicate included. 'done' also names the next stage; 'out-of-order' when the previous
   * stage has not succeeded.
   */
  start: `${ON_STAGE}
if rec.status == 'succeeded' then return {'done', stageAfter(stage)} end
if ENDED[state] then return {'ended', state} end
local prevOk, prev = previousSucceeded(stage)
if not prevOk then return refuse({'out-of-order', prev}) end
rec.status = 'running'
rec.attempts = rec.attempts + 1
rec.token = a6
if not rec.startedAt then rec.startedAt = now end
putStage(stage, rec)
setState('running')
flush()
return {'started', tostring(rec.attempts)}
`,

  /**
   * A stage succeeded: record it and queue the run's next stage (returned), or finish the run.
   * a4 duration, a5 artifacts JSON. Refused ('stale', 'not-started', 'out-of-order') when out of
   * date (see refusal()); the accepted execution's token is kept as completedToken.
   */
  complete: `${ON_STAGE}
if rec.status == 'succeeded' then
  if staleOnDone() then return refuse({'stale', 'another execution completed the stage'}) end
  return {'dup', stageAfter(stage)}
end
if ENDED[state] then return {'ended', state} end
local refused = refusal()
if refused then return refuse(refused) end
rec.status = 'succeeded'
rec.completedToken = fenced and a6 or rec.token
rec.finishedAt = now
rec.durationMs = tonumber(a4)
for k, v in pairs(cjson.decode(a5)) do rec.artifacts[k] = v end
rec.error = nil
rec.awaiting = nil
putStage(stage, rec)
local nextStage = stageAfter(stage)
if nextStage ~= '' then
  local nraw = redis.call('HGET', runKey, 'stage:' .. nextStage)
  if nraw then
    local n = cjson.decode(nraw)
    if n.status == 'pending' then
      n.status = 'queued'
      n.queuedAt = now
      putStage(nextStage, n)
    end
  end
  setState('running')
else
  setState('succeeded')
  put('finishedAt', now)
  redis.call('HINCRBY', runKey, 'completions', 1)
end
flush()
return {'ok', nextStage}
`,

  /** A stage waits for something outside the pipeline (e.g. a merge). a4 reason. */
  await: `${ON_STAGE}
if rec.status == 'succeeded' then
  if staleOnDone() then return refuse({'stale', 'another execution completed the stage'}) end
  return {'dup'}
end
if ENDED[state] then return {'ended', state} end
local refused = refusal()
if refused then return refuse(refused) end
rec.status = 'awaiting'
rec.awaiting = a4
putStage(stage, rec)
setState('awaiting')
flush()
return {'ok'}
`,

  /** One attempt failed and will be retried. a4 code, a5 message. */
  'note-failure': `${ON_STAGE}
if rec.status == 'succeeded' then return {'dup'} end
if fenced and not ENDED[state] then
  local refused = refusal()
  if refused then return refuse(refused) end
end
rec.error = {code = a4, message = a5}
if rec.status == 'running' then rec.status = 'queued' end
putStage(stage, rec)
flush()
return {'ok'}
`,

  /**
   * The run fails at this stage (terminal error, attempts exhausted, dead-lettered). a4 code, a5 message.
   * From a stage job (a token) it is refused when out of date; the dead-letter path has no token.
   */
  fail: `${ON_STAGE}
if rec.status == 'succeeded' then return {'dup'} end
if ENDED[state] then return {'dup'} end
if fenced then
  local refused = refusal()
  if refused then return refuse(refused) end
end
rec.status = 'failed'
rec.finishedAt = now
rec.error = {code = a4, message = a5}
putStage(stage, rec)
put('error', cjson.encode({stage = stage, code = a4, message = a5}))
put('finishedAt', now)
setState('failed')
flush()
return {'ok'}
`,

  /**
   * A newer run of the same definition will be promoted instead: the run ends `superseded`
   * at this stage (waiting, queued or running), naming that run. a4 the newer run's id, a5 why.
   * 'dup' when it is superseded already; a run past that stage or ended otherwise is left as it is ('ended').
   */
  supersede: `${ON_STAGE}
if state == 'superseded' then return {'dup'} end
if rec.status == 'succeeded' then return {'ended', 'past ' .. stage} end
if ENDED[state] then return {'ended', state} end
rec.status = 'superseded'
rec.finishedAt = now
rec.supersededBy = a4
rec.awaiting = nil
rec.artifacts['superseded.reason'] = a5
putStage(stage, rec)
put('supersededBy', a4)
put('finishedAt', now)
setState('superseded')
flush()
return {'ok'}
`,

  /** A dead-lettered stage is put back: the run runs again from that stage. */
  reopen: `${ON_STAGE}
if rec.status == 'succeeded' then return {'dup'} end
rec.status = 'queued'
rec.finishedAt = nil
rec.error = nil
rec.queuedAt = now
putStage(stage, rec)
redis.call('HDEL', runKey, 'error', 'finishedAt')
setState('running')
flush()
return {'ok'}
`,

  /**
   * A stage recorded succeeded without a recorded start (no attempt: a completion applied to a
   * store that had rolled back) is put back: queued when its previous stage has succeeded,
   * pending otherwise. 'dup' when it was started after all, 'ended' for an ended run.
   */
  unstart: `${ON_STAGE}
if ENDED[state] then return {'ended', state} end
if rec.status ~= 'succeeded' or rec.attempts > 0 then return {'dup'} end
local prevOk = previousSucceeded(stage)
rec.status = prevOk and 'queued' or 'pending'
rec.queuedAt = now
rec.finishedAt = nil
rec.durationMs = nil
rec.completedToken = nil
rec.artifacts = {}
putStage(stage, rec)
flush()
return {'ok', rec.status}
`,
};

const opFunctions = (Object.entries(BODIES) as [TransitionOp, string][])
  .map(([name, body]) => `OPS['${name}'] = function(runKey, auxKey, id, stage, now, a4, a5, a6)\n${body}\nend`)
  .join('\n');

/** The one transition script: applies ARGV[1] operations in order and returns their results. */
export const RUN_TRANSITIONS = `
local STATE_INDEX = {${RUN_STATES.map((s, i) => `${s}=${i + 2}`).join(', ')}}
-- States a run never leaves.
local ENDED = {failed = true, succeeded = true, superseded = true}
local OPS = {}
${opFunctions}
local results = {}
local n = tonumber(ARGV[1])
for i = 1, n do
  local a = 1 + (i - 1) * ${OP_ARITY}
  local op = OPS[ARGV[a + 1]]
  local k = ${FIXED_KEYS} + (i - 1) * 2
  if not op then
    results[i] = {'unknown-op'}
  else
    local ok, res = pcall(op, KEYS[k + 1], KEYS[k + 2], ARGV[a + 2], ARGV[a + 3], tonumber(ARGV[a + 4]), ARGV[a + 5], ARGV[a + 6], ARGV[a + 7])
    if ok then results[i] = res else results[i] = {'error', tostring(res)} end
  end
end
return results
`;
