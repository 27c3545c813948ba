import type { DeadLetterPayload } from '@patch-factory/contracts';
import { RUN_STAGES, stageJobId } from '@patch-factory/pipeline';
import { BackboneFixture, waitFor, type ApiClient, type ServiceProcess } from '../src';

type Entry = DeadLetterPayload & { id: string };
const ENV = {
  PF_LOCK_DURATION_MS: '1500',
  PF_STALLED_INTERVAL_MS: '1000',
  PF_BACKOFF_DELAY_MS: '100',
  PF_DLQ_SWEEP_MS: '500',
  PF_LOG_LEVEL: 'warn',
};

describe('poison jobs end in the dead-letter queue and other runs keep flowing', () => {
  const fx = new BackboneFixture(undefined, ENV);
  let api: ApiClient;
  const workers: ServiceProcess[] = [];
  let supervising = true;
  let restarts = 0;
  let supervisor: Promise<void> = Promise.resolve();

  const deadLetters = async () => (await api.request<{ entries: Entry[] }>('GET', '/dead-letters')).body.entries;

  beforeAll(async () => {
    api = await fx.startApi();
    workers.push(...(await Promise.all([1, 2].map(() => fx.startWorker(RUN_STAGES)))));
    // Like a process supervisor (systemd, Kubernetes): a worker that dies is started again.
    supervisor = (async () => {
      while (supervising) {
        for (const [i, w] of workers.entries()) {
          if (w.child.exitCode !== null || w.child.signalCode !== null) {
            // Counted when the death is seen: the run may be failed before its replacement is up.
            restarts++;
            workers[i] = await fx.startWorker(RUN_STAGES);
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
    // Each of the crashing job's attempts killed a worker; the supervisor sees the last death within its 100 ms poll.
    await waitFor('three worker deaths seen by the supervisor', () => Promise.resolve(restarts >= 3 ? true : undefined), 30_000, 50);

    // Bounded, but generous: on a loaded machine the sweep that moves the lost job may come late.
    const entries = await waitFor('three dead letters', async () => {
      const e = await deadLetters();
      return e.length >= 3 ? e : undefined;
    }, 90_000, 100);
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
    expect(byRun.get(terminal)).toMatchObject({ errorCode: 'test-poison', attemptsMade: 1, jobId: stageJobId(terminal, 'test') });
    expect(byRun.get(crashing)).toMatchObject({ errorCode: 'worker-lost', jobId: stageJobId(crashing, 'scan') });
    // Nothing is lost: the entry keeps the job's original payload.
    expect(byRun.get(throwing)!.data).toMatchObject({ v: 1, runId: throwing, definition: 'poison/throw-build.yaml' });
  }, 180_000);

  it('replays a dead letter with its original ids; a cured run completes, an uncured one comes back', async () => {
    const entries = await deadLetters();
    const throwing = entries.find((e) => e.data && (e.data as { definition: string }).definition === 'poison/throw-build.yaml')!;
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
    expect((await deadLetters()).map((e) => e.runId).sort()).toEqual([next.runId, entries.find((e) => e.errorCode === 'worker-lost')!.runId].sort());
  }, 120_000);
});
