import type { Redis } from 'ioredis';
import type { RunState } from '@patch-factory/contracts';
import type { StoreKeys } from './store-keys';

/** The states a run never leaves: only these runs are ever deleted. */
export const FINISHED_RUN_STATES: readonly RunState[] = ['succeeded', 'failed', 'superseded'];

/**
 * Deletes one finished run and its index entries, atomically, if it is still in the state it was
 * listed under and finished no later than the cut-off (KEYS: run hash, all-runs index, its state
 * index, its definition index; ARGV: state, cut-off ms, id). Returns 1 when deleted. A run that
 * moved on (it cannot: finished is final) or is gone is left alone. Stage transitions of a
 * deleted run answer `missing` (run-scripts.lua.ts), so fencing is unchanged: nothing is revived.
 */
const DELETE_FINISHED = `
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= ARGV[1] then
  if not state then redis.call('ZREM', KEYS[2], ARGV[3]); redis.call('ZREM', KEYS[3], ARGV[3]) end
  return 0
end
local at = redis.call('ZSCORE', KEYS[3], ARGV[3])
if not at or tonumber(at) > tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[3])
return 1
`;

/**
 * Deletes up to `limit` runs per finished state that finished (entered that state) before
 * `cutoff` (epoch ms), oldest first; returns how many were deleted. Bounded work per call, so a
 * store that has fallen behind catches up over several calls.
 */
export async function pruneFinishedRuns(redis: Redis, keys: StoreKeys, cutoff: number, limit: number): Promise<number> {
  let deleted = 0;
  for (const state of FINISHED_RUN_STATES) {
    const index = keys.runsInState(state);
    const ids = await redis.zrangebyscore(index, '-inf', cutoff, 'LIMIT', 0, limit);
    if (ids.length === 0) continue;
    const definitions = await Promise.all(ids.map((id) => redis.hget(keys.run(id), 'definition')));
    const pipe = redis.pipeline();
    ids.forEach((id, i) => {
      // A hash without a definition (already gone) still has its index entries removed; the definition index key is then a placeholder in the same slot.
      const definitionIndex = keys.runsOfDefinition(definitions[i] ?? '');
      pipe.eval(DELETE_FINISHED, 4, keys.run(id), keys.allRuns(), index, definitionIndex, state, String(cutoff), id);
    });
    for (const [error, result] of (await pipe.exec()) ?? []) {
      if (error) throw error;
      if (result === 1) deleted++;
    }
  }
  return deleted;
}
