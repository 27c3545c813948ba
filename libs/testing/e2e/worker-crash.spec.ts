import { queueOfJob } from '@patch-factory/contracts';
import { RUN_STAGES, STAGE_JOB } from '@patch-factory/pipeline';
import { BackboneFixture, waitFor, type ApiClient, type ServiceProcess } from '../src';

const KILLS = 20;
const RUNS = 30;
// Short locks so that a killed worker's jobs are recovered in seconds, not the default 30 s.
const ENV = {
  PF_LOCK_DURATION_MS: '1500',
  PF_STALLED_INTERVAL_MS: '1000',
  PF_WORKER_CONCURRENCY: '1',
  PF_TEST_STAGE_DELAY_MS: '120',
  PF_BACKOFF_DELAY_MS: '100',
  PF_LOG_LEVEL: 'warn',
};

describe('kill -9 of stage workers while they hold jobs', () => {
  const fx = new BackboneFixture(undefined, ENV);
  let api: ApiClient;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    api = await fx.startApi();
    workers.push(...(await Promise.all([1, 2, 3, 4].map(() => fx.startWorker(RUN_STAGES)))));
  }, 120_000);
  afterAll(() => fx.close(), 60_000);

  /**
   * The executions in flight when a worker dies, as BullMQ holds them: the lock token (the
   * execution's fencing token) of every active stage job, read right after the kill (a dead
   * worker's locks outlive it by up to PF_LOCK_DURATION_MS). A worker runs a job per stage
   * queue at once, so it may die between the store's start of a stage and the executor's
   * record of that execution: such a start is counted by the store and never seen by the
   * executor, and its token is among these.
   */
  const inFlight = async (): Promise<{ key: string; token: string }[]> => {
    const found: { key: string; token: string }[] = [];
    for (const stage of RUN_STAGES) {
      const queue = `${fx.prefix}:${queueOfJob(STAGE_JOB[stage])}`;
      const ids = await fx.redis.lrange(`${queue}:active`, 0, -1);
      const tokens = ids.length ? await fx.redis.mget(ids.map((id) => `${queue}:${id}:lock`)) : [];
      ids.forEach((id, i) => {
        const token = tokens[i];
        if (token) found.push({ key: `${id.slice(0, id.lastIndexOf('.'))}:${stage}`, token });
      });
    }
    return found;
  };

  it(`every run completes exactly once and no side effect happens twice (${KILLS} kills)`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) ids.push(await api.trigger(`image/crash-${i}/debian-12/1.yaml`));

    let kills = 0;
    const interrupted = new Set<string>();
    const killedPids = new Set<number>();
    const heldAtKills: { key: string; token: string }[] = [];
    const deadline = Date.now() + 150_000;
    while (kills < KILLS && Date.now() < deadline) {
      // A victim that is executing a job right now (its executor is mid-stage). Each job is
      // interrupted once at most: a job that kills its worker again and again is a poison
      // pill and is dead-lettered by design (see poison.spec.ts).
      const alive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      const busy: ServiceProcess[] = [];
      const held = new Map<ServiceProcess, string[]>();
      for (const w of alive) {
        const keys = await fx.effects.holding(w.pid);
        if (keys.length > 0 && keys.every((k) => !interrupted.has(k))) {
          busy.push(w);
          held.set(w, keys);
        }
      }
      if (busy.length === 0) {
        const open = await fx.runs.list({ state: 'running', limit: 1 });
        const queued = await fx.runs.list({ state: 'queued', limit: 1 });
        if (open.length + queued.length === 0) {
          // Everything finished before all kills were done: add work and go on killing.
          for (let i = 0; i < 5; i++) ids.push(await api.trigger(`image/crash-more-${kills}-${i}/debian-12/1.yaml`));
        }
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const victim = busy[Math.floor(Math.random() * busy.length)]!;
      for (const k of held.get(victim) ?? []) interrupted.add(k);
      victim.kill('SIGKILL');
      await victim.exited;
      heldAtKills.push(...(await inFlight()));
      kills++;
      killedPids.add(victim.pid);
      workers.splice(workers.indexOf(victim), 1);
      workers.push(await fx.startWorker(RUN_STAGES));
    }
    expect(kills).toBe(KILLS);

    const runs = await fx.waitForRuns(ids, 120_000);
    let calls = 0;
    let repeated = 0;
    let unrecordedAttempts = 0;
    for (const run of runs) {
      expect({ id: run.id, state: run.state, error: run.error }).toEqual({
        id: run.id,
        state: 'succeeded',
        error: undefined,
      });
      expect(await fx.runs.completions(run.id)).toBe(1);
      expect(await fx.effects.effects(run.id)).toBe(RUN_STAGES.length);
      calls += await fx.effects.calls(run.id);
      // "No effect twice", through the code under test: for each stage the run store accepted
      // exactly one execution's completion (completedToken), an execution the executor saw
      // and that had its effect, and the result the store holds is that execution's.
      for (const rec of run.stages) {
        const key = `${run.id}:${rec.stage}`;
        const executions = await fx.effects.executions(key);
        const where = { run: run.id, stage: rec.stage };
        const accepted = executions.filter((e) => e.token === rec.completedToken);
        expect({ ...where, accepted: accepted.length, effect: accepted[0]?.effect }).toEqual({
          ...where,
          accepted: 1,
          effect: true,
        });
        expect({ ...where, attempt: rec.artifacts[`${rec.stage}.attempt`] }).toEqual({
          ...where,
          attempt: String(accepted[0]!.attempt),
        });
        // The store counts every execution: its attempts are the executions the executor saw,
        // plus at most the starts of workers killed before their executor recorded anything
        // (a job held at a kill whose token no execution carries; it may also have died
        // before its start, or found the stage done, and then counts no attempt).
        const seen = new Set(executions.map((e) => e.token));
        const diedBeforeExecutor = new Set(
          heldAtKills.filter((h) => h.key === key && !seen.has(h.token)).map((h) => h.token),
        ).size;
        const attemptsWithoutExecution = rec.attempts - executions.length;
        expect({
          ...where,
          attemptsWithoutExecution: Math.min(Math.max(attemptsWithoutExecution, 0), diedBeforeExecutor),
        }).toEqual({ ...where, attemptsWithoutExecution });
        unrecordedAttempts += attemptsWithoutExecution;
        if (executions.length > 1) repeated++;
        // Every other execution that had its effect was either killed or refused by the store,
        // never applied: its worker died, or the stage counts its refusal.
        const others = executions.filter((e) => e.token !== rec.completedToken && e.effect);
        const survivors = others.filter((e) => !killedPids.has(e.pid));
        expect({ ...where, refused: Math.min(survivors.length, rec.refusals ?? 0) }).toEqual({
          ...where,
          refused: survivors.length,
        });
      }
    }
    // The kills did interrupt executors: some stages ran more than once, each counted as an attempt.
    expect(calls).toBeGreaterThan(runs.length * RUN_STAGES.length);
    expect(repeated).toBeGreaterThan(0);
    process.stderr.write(
      `worker-crash: ${runs.length} runs, ${kills} kills, ${repeated} stages executed more than once, ${unrecordedAttempts} attempts started by a worker killed before its executor ran\n`,
    );
    // Nothing was dead-lettered along the way.
    const dlq = await api.request<{ entries: unknown[] }>('GET', '/dead-letters');
    expect(dlq.body.entries).toEqual([]);
    await waitFor(
      'no job left in any queue',
      async () => ((await fx.runs.list({ state: 'running' })).length === 0 ? true : undefined),
      10_000,
    );
  }, 300_000);
});
