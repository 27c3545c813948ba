import type { Redis } from 'ioredis';

/** Deletes every key under `${prefix}:` (SCAN + UNLINK); returns how many. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** The BullMQ timestamps of one job: added (timestamp), started (processedOn), finished (finishedOn). */
export interface JobTimes {
  timestamp: number;
  processedOn: number;
  finishedOn: number;
}

/**
 * Reads the times of the given jobs straight from their BullMQ job hashes
 * (`${prefix}:${queue}:${jobId}`), pipelined. Every job must exist and have started; it must
 * be finished too unless `requireFinished` is false (then finishedOn may be NaN: a chain's
 * job adds the next one before it is moved to finished, and on a loaded machine the rest of
 * the chain can end first).
 */
export async function readJobTimes(
  redis: Redis,
  prefix: string,
  jobs: readonly { queue: string; id: string }[],
  batch = 1000,
  requireFinished = true,
): Promise<JobTimes[]> {
  const out: JobTimes[] = [];
  for (let i = 0; i < jobs.length; i += batch) {
    const slice = jobs.slice(i, i + batch);
    const pipe = redis.pipeline();
    for (const j of slice) pipe.hmget(`${prefix}:${j.queue}:${j.id}`, 'timestamp', 'processedOn', 'finishedOn');
    const rows = (await pipe.exec()) ?? [];
    rows.forEach(([err, value], k) => {
      const job = slice[k] as { queue: string; id: string };
      if (err) throw new Error(`cannot read job ${job.queue} ${job.id}: ${err.message}`);
      const [timestamp, processedOn, finishedOn] = (value as (string | null)[]).map((v) =>
        v === null ? NaN : Number(v),
      );
      if (![timestamp, processedOn, ...(requireFinished ? [finishedOn] : [])].every((v) => Number.isFinite(v))) {
        throw new Error(`job ${job.queue} ${job.id} is missing or unfinished (was it removed on completion?)`);
      }
      out.push({
        timestamp: timestamp as number,
        processedOn: processedOn as number,
        finishedOn: finishedOn as number,
      });
    });
  }
  return out;
}

/** Failed jobs left on the given queues (must be 0 after a clean run). */
export async function failedJobCount(redis: Redis, prefix: string, queues: readonly string[]): Promise<number> {
  const counts = await Promise.all(queues.map((q) => redis.zcard(`${prefix}:${q}:failed`)));
  return counts.reduce((a, b) => a + b, 0);
}

/** The fsync policies of the append-only file the backbone benchmark compares (issue 13). */
export type BenchFsync = 'always' | 'everysec';

/** Sets the server's AOF fsync policy (CONFIG SET appendfsync) and reads it back. */
export async function setAppendFsync(redis: Redis, fsync: BenchFsync): Promise<void> {
  await redis.config('SET', 'appendfsync', fsync);
  const [, now] = (await redis.config('GET', 'appendfsync')) as string[];
  if (now !== fsync) throw new Error(`CONFIG SET appendfsync ${fsync} did not take (server says ${now})`);
}

/** The server's AOF settings, for the report: appendonly and appendfsync. */
export async function persistence(redis: Redis): Promise<{ appendonly: string; appendfsync: string }> {
  const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
  const [, appendfsync] = (await redis.config('GET', 'appendfsync')) as string[];
  return { appendonly: appendonly ?? '?', appendfsync: appendfsync ?? '?' };
}
