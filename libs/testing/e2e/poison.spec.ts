import type { DeadLetterPayload } from '@patch-factory/contracts';
import { JOB_OPTIONS, RUN_STAGES, stageJobId } from '@patch-factory/pipeline';
import { BackboneFixture, waitFor, type ApiClient, type ServiceProcess } from '../src';

type Entry = DeadLetterPayload & { id: string };
const ENV = {
  PF_LOCK_DURATION_MS: '1500',
  PF_STALLED_INTERVAL_MS: '1000',
  PF_BACKOFF_DELAY_MS: '100',
  PF_DLQ_SWEEP_MS: '500',
  // A worker that took the crashing job back from a stall runs it alone for this long: with the
  // 30 s default, each crash holds the throwing job's retries back (stall-recovery.spec.ts tests that).
  PF_SUSPECT_ISOLATION_MS: '2000',
  PF_LOG_LEVEL: 'warn',
};

describe('poison jobs end in the dead-letter queue and other runs keep flowing', () => {
  const fx = new BackboneFixture(undefined, ENV);
  let api: ApiClient;
  const workers: ServiceProcess[] = [];
  let supervising = true;
  /** Worker deaths the supervisor saw: processes that died after they started, and starts that died before "service started". */
  let deaths = 0;
  let supervisor: Promise<void> = Promise.resolve();

  const deadLetters = async () => (await api.request<{ entries: Entry[] }>('GET', '/dead-letters')).body.entries;
  /**
   * Processes the poison killed: the executor names the job it runs in holding:<pid> and a
   * process killed while running it never takes the name out again.
   */
  const killedBy = async (idempotencyKey: string): Promise<number> => {
    let cursor = '0';
    let killed = 0;
    for (let i = 0; i < 10_000; i++) {
      const [next, keys] = await fx.redis.scan(cursor, 'MATCH', fx.effects.key('holding:*'), 'COUNT', 1000);
      for (const key of keys) if (await fx.redis.sismember(key, idempotencyKey)) killed++;
      cursor = next;
      if (cursor === '0') break;
    }
    return killed;
  };

  beforeAll(async () => {
    api = await fx.startApi();
    workers.push(...(await Promise.all([1, 2].map(() => fx.startWorker(RUN_STAGES)))));
    // Like a process supervisor (systemd, Kubernetes): a worker that dies is started again. A
    // replacement may take the poison while it boots and die before it reports "service
    // started": that start fails, is counted as a death, and is tried again.
    supervisor = (async () => {
      const counted = new Set<number>();
      while (supervising) {
        for (const [i, w] of workers.entries()) {
          if (w.child.exitCode === null && w.child.signalCode === null) continue;
          if (!counted.has(w.pid)) {
            counted.add(w.pid);
            deaths++;
          }
          try {
            workers[i] = await fx.startWorker(RUN_STAGES);
          } catch {
            deaths++;
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  }, 120_000);
  afterAll(async () => {
    supervising = false;
    await supervisor;
    await fx.close();
  }, 60_000);

  it('dead-letters a throwing, a terminal and a process-killing job with their reasons', async () => {
    const throwing = await api.trigger('poison/throw-build.yaml');
    const terminal = await api.trigger('poison/terminal-test.yaml');
    const crashing = await api.trigger('poison/crash-scan.yaml');
    const healthy: string[] = [];
    for (let i = 0; i < 10; i++) healthy.push(await api.trigger(`image/healthy-${i}/debian-12/1.yaml`));

    const done = await fx.waitForRuns([throwing, terminal, crashing, ...healthy], 120_000);
    const byId = new Map(done.map((r) => [r.id, r]));
    for (const id of healthy) expect(byId.get(id)!.state).toBe('succeeded');

    expect(byId.get(throwing)!.state).toBe('failed');
    expect(byId.get(throwing)!.error).toMatchObject({ stage: 'build', code: 'executor-failed' });
    expect(byId.get(terminal)!.error).toMatchObject({ stage: 'test', code: 'test-poison' });
    expect(byId.get(crashing)!.error).toMatchObject({ stage: 'scan', code: 'worker-lost' });
    // Each execution of the crashing job killed its worker, and the scan queue gives a job up
    // once it stalled more than maxStalledCount times: it ran (and killed) at most
    // maxStalledCount + 1 times, and at least once. (Exactly that many unless a lock lapsed on a
    // loaded machine, which counts as a stall too.) Every death is seen by the supervisor in the end.
    const killed = await killedBy(`${crashing}:scan`);
    expect(killed).toBeGreaterThanOrEqual(1);
    expect(killed).toBeLessThanOrEqual(JOB_OPTIONS['stage.scan'].maxStalledCount + 1);
    await waitFor(
      `${killed} worker death(s) seen by the supervisor`,
      () => Promise.resolve(deaths >= killed ? true : undefined),
      30_000,
      50,
    );

    // Bounded, but generous: on a loaded machine the sweep that moves the lost job may come late.
    const entries = await waitFor(
      'three dead letters',
      async () => {
        const e = await deadLetters();
        return e.length >= 3 ? e : undefined;
      },
      90_000,
      100,
    ).catch(async (error: Error) => {
      // Say which one is missing.
      const e = await deadLetters();
      throw new Error(
        `${error.message}; dead letters: ${JSON.stringify(e.map((x) => ({ runId: x.runId, jobId: x.jobId, code: x.errorCode })))} (throwing ${throwing}, terminal ${terminal}, crashing ${crashing})`,
      );
    });
    expect(entries).toHaveLength(3);
    const byRun = new Map(entries.map((e) => [e.runId, e]));
    expect(byRun.get(throwing)).toMatchObject({
      queue: '{build}',
      jobId: stageJobId(throwing, 'build'),
      jobName: 'stage.build',
      errorCode: 'executor-failed',
      attemptsMade: 3,
    });
    expect(byRun.get(throwing)!.failedReason).toContain('poison definition fails stage build');
    expect(byRun.get(terminal)).toMatchObject({
      errorCode: 'test-poison',
      attemptsMade: 1,
      jobId: stageJobId(terminal, 'test'),
    });
    expect(byRun.get(crashing)).toMatchObject({ errorCode: 'worker-lost', jobId: stageJobId(crashing, 'scan') });
    expect(byRun.get(crashing)!.failedReason).toMatch(/stalled more than allowable limit/);
    // No other process died: every death the supervisor saw was the poison's.
    expect(deaths).toBe(killed);
    // Nothing is lost: the entry keeps the job's original payload.
    expect(byRun.get(throwing)!.data).toMatchObject({ v: 1, runId: throwing, definition: 'poison/throw-build.yaml' });
  }, 180_000);

  it('replays a dead letter with its original ids; a cured run completes, an uncured one comes back', async () => {
    const entries = await deadLetters();
    const throwing = entries.find(
      (e) => e.data && (e.data as { definition: string }).definition === 'poison/throw-build.yaml',
    )!;
    const terminal = entries.find((e) => e.errorCode === 'test-poison')!;

    await fx.effects.cure('poison/throw-build.yaml');
    const replayed = await api.request<{ jobId: string; queue: string }>('POST', `/dead-letters/${throwing.id}/replay`);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ queue: '{build}', jobId: throwing.jobId, jobName: 'stage.build' });
    const [run] = await fx.waitForRuns([throwing.runId!], 60_000, ['succeeded']);
    expect(run!.stages.map((s) => s.status)).toEqual(RUN_STAGES.map(() => 'succeeded'));
    expect(run!.error).toBeUndefined();
    expect(await fx.runs.completions(run!.id)).toBe(1);
    expect(await fx.effects.effects(run!.id)).toBe(RUN_STAGES.length);

    const again = await api.request('POST', `/dead-letters/${terminal.id}/replay`);
    expect(again.status).toBe(200);
    const next = await waitFor('the replayed terminal job to come back', async () => {
      const e = (await deadLetters()).filter((x) => x.runId === terminal.runId);
      return e.length === 1 && e[0]!.id !== terminal.id ? e[0] : undefined;
    });
    expect(next).toMatchObject({ jobId: terminal.jobId, errorCode: 'test-poison' });
    const failedAgain = await fx.runs.get(terminal.runId!);
    expect(failedAgain!.state).toBe('failed');

    const missing = await api.request<{ error: { code: string } }>('POST', `/dead-letters/${terminal.id}/replay`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('dead-letter-not-found');
    expect((await deadLetters()).map((e) => e.runId).sort()).toEqual(
      [next.runId, entries.find((e) => e.errorCode === 'worker-lost')!.runId].sort(),
    );
  }, 120_000);
});
