import type { PipelineRun } from '@patch-factory/contracts';
import { RUN_STAGES } from '@patch-factory/pipeline';
import { waitFor } from '../src';
import { useOwnRedisBackbone } from '../src/own-redis-backbone.fixture';

const RUNS = 24;
// Short locks: the jobs the crashed workers held are taken over seconds after the reboot.
const ENV = {
  PF_TEST_STAGE_DELAY_MS: '150',
  PF_LOG_LEVEL: 'warn',
  PF_BACKOFF_DELAY_MS: '200',
  PF_LOCK_DURATION_MS: '1500',
  PF_STALLED_INTERVAL_MS: '1000',
};
/** Bytes of the first unacknowledged command kept after the cut, so that the AOF ends in a partial command. */
const PARTIAL_COMMAND_BYTES = 7;

/**
 * A host crash (power loss of the machine running Redis, the API and the workers) while runs
 * are in flight, with the durability of infra/redis.conf (appendfsync always).
 *
 * Why the truncated AOF is a state a real crash can leave: under `appendfsync always` Redis
 * writes and fsyncs a command to the AOF before it sends the reply. So when the test (the only
 * party outside the crashed host) receives a 2xx for a trigger, every write that trigger made
 * is already in the file, and the size the test reads right after the 2xx covers it. Writes
 * after the last such size were acknowledged only to processes on the crashed host (the API
 * and the workers), which die with it; a power loss may keep none of them. Cutting the file
 * anywhere between the largest size recorded after a 2xx and its size at the crash is such a
 * state; the test cuts a few bytes after that size, inside the next command, which also checks
 * that a partly written last command is dropped on load (aof-load-truncated yes).
 * With `appendfsync everysec` this cut would not be legitimate: the last second of acknowledged
 * writes may be lost, which is what issue 13 measured (triggers answered 2xx, then 404).
 */
describe('host crash: the AOF tail lost, Redis and the services restarted', () => {
  const own = useOwnRedisBackbone(ENV);

  it('every acknowledged trigger completes, no stage is succeeded without having run, no run is left running', async () => {
    const { redis, fx } = own;
    let api = own.api;
    const acknowledged: string[] = [];
    const aofPath = redis.incrAofPath();
    let ackedBytes = 0;
    for (let i = 0; i < RUNS; i++) {
      acknowledged.push(await api.trigger(`image/host-crash-${i}/debian-12/1.yaml`));
      ackedBytes = Math.max(ackedBytes, redis.incrAofSize());
    }

    // Crash while work the test was never told about is in the file: runs under way, the AOF
    // grown past the last acknowledged size (stage transitions, job moves of the workers).
    await waitFor(
      'runs under way and AOF writes after the last acknowledgement',
      async () =>
        (await fx.runs.list({ state: 'running', limit: 1 })).length > 0 && redis.incrAofSize() > ackedBytes + 4096
          ? true
          : undefined,
      60_000,
      10,
    );
    await redis.signal('SIGSTOP'); // the host freezes: nothing more is written or answered
    for (const p of fx.processes) p.kill('SIGKILL');
    await Promise.all(fx.processes.map((p) => p.exited));
    await redis.signal('SIGKILL');
    expect(redis.incrAofPath()).toBe(aofPath); // no rewrite in between: sizes are comparable
    const sizeAtCrash = redis.incrAofSize();
    const cut = Math.min(ackedBytes + PARTIAL_COMMAND_BYTES, sizeAtCrash);
    redis.truncateIncrAof(cut);
    process.stderr.write(
      `host-crash: AOF cut from ${sizeAtCrash} to ${cut} bytes (last acknowledged trigger at ${ackedBytes})\n`,
    );

    // The host comes back: Redis on the cut AOF, then the services.
    await redis.start();
    const rolledBack = (await Promise.all(acknowledged.map((id) => fx.runs.get(id)))).filter(
      (r) => r && r.state !== 'succeeded',
    ).length;
    api = await fx.startApi();
    await Promise.all([1, 2].map(() => fx.startWorker(RUN_STAGES)));

    // Every trigger answered 2xx survived the crash...
    for (const id of acknowledged)
      expect({ id, found: (await fx.runs.get(id)) !== undefined }).toEqual({ id, found: true });
    // ...and completes, exactly once.
    let runs: PipelineRun[];
    try {
      runs = await fx.waitForRuns(acknowledged, 150_000);
    } catch (error) {
      const open = (await Promise.all(acknowledged.map((id) => fx.runs.get(id)))).filter(
        (r) => r && r.state !== 'succeeded',
      );
      throw new Error(
        `${(error as Error).message}; unfinished: ${JSON.stringify(open.map((r) => ({ id: r?.id, state: r?.state, stages: r?.stages.map((s) => `${s.stage}:${s.status}:${s.attempts}`) })))}`,
      );
    }
    for (const run of runs) {
      expect({ id: run.id, state: run.state, error: run.error }).toEqual({
        id: run.id,
        state: 'succeeded',
        error: undefined,
      });
      expect(await fx.runs.completions(run.id)).toBe(1);
      expect(await fx.effects.effects(run.id)).toBe(RUN_STAGES.length);
      // No stage is recorded succeeded without having run.
      for (const stage of run.stages.filter((s) => s.status === 'succeeded')) {
        expect({ run: run.id, stage: stage.stage, ran: stage.attempts >= 1 }).toEqual({
          run: run.id,
          stage: stage.stage,
          ran: true,
        });
      }
    }
    // No run is left running or queued.
    expect(await fx.runs.list({ state: 'running' })).toEqual([]);
    expect(await fx.runs.list({ state: 'queued' })).toEqual([]);
    process.stderr.write(`host-crash: ${rolledBack} of ${RUNS} runs were unfinished after the reboot; all completed\n`);
    const health = await api.request<{ redis: string }>('GET', '/health/ready');
    expect(health.status).toBe(200);
  }, 240_000);
});
