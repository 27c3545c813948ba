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
      workers.splice(workers.indexOf(victim), 1);
      workers.push(await fx.startWorker(RUN_STAGES));
    }
    expect(kills).toBe(KILLS);

    const runs = await fx.waitForRuns(ids, 120_000);
    let calls = 0;
    for (const run of runs) {
      expect({ id: run.id, state: run.state, error: run.error }).toEqual({ id: run.id, state: 'succeeded', error: undefined });
      expect(await fx.runs.completions(run.id)).toBe(1);
      expect(await fx.effects.effects(run.id)).toBe(RUN_STAGES.length);
      calls += await fx.effects.calls(run.id);
    }
    // The kills did interrupt executors: some stages ran more than once, yet each effect happened once.
    expect(calls).toBeGreaterThan(runs.length * RUN_STAGES.length);
    // Nothing was dead-lettered along the way.
    const dlq = await api.request<{ entries: unknown[] }>('GET', '/dead-letters');
    expect(dlq.body.entries).toEqual([]);
    await waitFor('no job left in any queue', async () => ((await fx.runs.list({ state: 'running' })).length === 0 ? true : undefined), 10_000);
  }, 300_000);
});
