import { BackboneFixture, waitFor, ApiClient } from '../src';

describe('graceful shutdown and health', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let api: ApiClient;

  beforeAll(async () => {
    api = await fx.startApi();
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  const buildOnly = (name: string) => api.trigger(`image/${name}/debian-12/1.yaml`, { from: 'build', to: 'build' });
  const whenRunning = (id: string) =>
    waitFor(`run ${id} to be in its build stage`, async () => {
      const run = await fx.runs.get(id);
      return run?.stages[0]?.status === 'running' ? run : undefined;
    });

  it('on SIGTERM an active job finishes before the worker exits', async () => {
    const worker = await fx.startWorker(['build'], { PF_TEST_STAGE_DELAY_MS: '1500', PF_TEST_IGNORE_ABORT: '1' });
    const id = await buildOnly('graceful');
    await whenRunning(id);
    worker.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const run = await fx.runs.get(id);
    expect(run!.state).toBe('succeeded');
    expect(run!.stages[0]!.attempts).toBe(1);
  }, 60_000);

  it('a job that does not finish within PF_SHUTDOWN_TIMEOUT_MS is released to another worker', async () => {
    const stuck = await fx.startWorker(['build'], {
      PF_TEST_STAGE_DELAY_MS: '60000',
      PF_TEST_IGNORE_ABORT: '1',
      PF_SHUTDOWN_TIMEOUT_MS: '500',
    });
    const id = await buildOnly('released');
    await whenRunning(id);
    const t0 = Date.now();
    stuck.kill('SIGTERM');
    expect(await stuck.exited).toBe(0);
    // Bounded: the timeout plus a little, not the 60 s the executor wanted.
    expect(Date.now() - t0).toBeLessThan(15_000);
    await fx.startWorker(['build']);
    const [run] = await fx.waitForRuns([id], 30_000);
    expect(run!.state).toBe('succeeded');
    expect(await fx.runs.completions(id)).toBe(1);
    expect(await fx.effects.effects(id)).toBe(1);
  }, 60_000);

  it('liveness fails while work is pending and no progress is made for PF_PROGRESS_TIMEOUT_MS', async () => {
    const slow = await fx.startWorker(['test'], {
      PF_TEST_STAGE_DELAY_MS: '5000',
      PF_WORKER_CONCURRENCY: '1',
      PF_PROGRESS_TIMEOUT_MS: '1000',
    });
    const health = await fx.client(slow.port);
    expect((await health.request('GET', '/health/live')).status).toBe(200);
    const ids = [
      await api.trigger('image/slow-1/debian-12/1.yaml', { from: 'test', to: 'test' }),
      await api.trigger('image/slow-2/debian-12/1.yaml', { from: 'test', to: 'test' }),
    ];
    const stalled = await waitFor(
      'liveness to report the stall',
      async () => {
        const res = await health.request<{ status: string; pending: number }>('GET', '/health/live');
        return res.status === 503 ? res.body : undefined;
      },
      8_000,
      200,
    );
    expect(stalled).toMatchObject({ status: 'stalled', pending: 1 });
    expect((await health.request('GET', '/health/ready')).status).toBe(503);
    await fx.waitForRuns(ids, 30_000);
    expect((await health.request('GET', '/health/live')).status).toBe(200);
    const metrics = await health.request<string>('GET', '/metrics');
    expect(metrics.body).toMatch(/pf_stage_duration_seconds_count\{[^}]*stage="test",outcome="succeeded"\} 2/);
    expect(metrics.body).toMatch(/pf_queue_depth\{queue="\{test\}",state="waiting",service="[^"]+"\} 0/);
  }, 60_000);
});
