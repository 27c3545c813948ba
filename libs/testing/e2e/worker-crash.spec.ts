import { RUN_STAGES } from '@patch-factory/pipeline';
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

  it(`every run completes exactly once and no side effect happens twice (${KILLS} kills)`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) ids.push(await api.trigger(`image/crash-${i}/debian-12/1.yaml`));

    let kills = 0;
    const interrupted = new Set<string>();
    const killedPids = new Set<number>();
    // Kills that did not land inside an executor (the victim was between two jobs, maybe
    // after a start the executor never saw): each may leave one attempt without an execution.
    let missed = 0;
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
      kills++;
      killedPids.add(victim.pid);
      // holding:<pid> is written with the execution record and survives the kill.
      if ((await fx.effects.holding(victim.pid)).length === 0) missed++;
      workers.splice(workers.indexOf(victim), 1);
      workers.push(await fx.startWorker(RUN_STAGES));
    }
    expect(kills).toBe(KILLS);

    const runs = await fx.waitForRuns(ids, 120_000);
    let calls = 0;
    let repeated = 0;
    let unrecordedAttempts = 0;
    for (const run of runs) {
      expect({ id: run.id, state: run.state, error: run.error }).toEqual({ id: run.id, state: 'succeeded', error: undefined });
      expect(await fx.runs.completions(run.id)).toBe(1);
      expect(await fx.effects.effects(run.id)).toBe(RUN_STAGES.length);
      calls += await fx.effects.calls(run.id);
      // "No effect twice", through the code under test: for each stage the run store accepted
      // exactly one execution's completion (completedToken), an execution the executor saw
      // and that had its effect, and the result the store holds is that execution's.
      for (const rec of run.stages) {
        const executions = await fx.effects.executions(`${run.id}:${rec.stage}`);
        const where = { run: run.id, stage: rec.stage };
        const accepted = executions.filter((e) => e.token === rec.completedToken);
        expect({ ...where, accepted: accepted.length, effect: accepted[0]?.effect }).toEqual({ ...where, accepted: 1, effect: true });
        expect({ ...where, attempt: rec.artifacts[`${rec.stage}.attempt`] }).toEqual({ ...where, attempt: String(accepted[0]!.attempt) });
        // The store counts every execution: its attempts are the executions the executor saw
        // (a missed kill may have cost an attempt the executor never saw; counted below).
        expect(rec.attempts).toBeGreaterThanOrEqual(executions.length);
        unrecordedAttempts += rec.attempts - executions.length;
        if (executions.length > 1) repeated++;
        // Every other execution that had its effect was either killed or refused by the store,
        // never applied: its worker died, or the stage counts its refusal.
        const others = executions.filter((e) => e.token !== rec.completedToken && e.effect);
        const survivors = others.filter((e) => !killedPids.has(e.pid));
        expect({ ...where, refused: Math.min(survivors.length, rec.refusals ?? 0) }).toEqual({ ...where, refused: survivors.length });
      }
    }
    // The kills did interrupt executors: some stages ran more than once, each counted as an attempt.
    expect(calls).toBeGreaterThan(runs.length * RUN_STAGES.length);
    expect(repeated).toBeGreaterThan(0);
    expect(unrecordedAttempts).toBeLessThanOrEqual(missed);
    // Nothing was dead-lettered along the way.
    const dlq = await api.request<{ entries: unknown[] }>('GET', '/dead-letters');
    expect(dlq.body.entries).toEqual([]);
    await waitFor('no job left in any queue', async () => ((await fx.runs.list({ state: 'running' })).length === 0 ? true : undefined), 10_000);
  }, 300_000);
});
