import { stageJobId } from '@patch-factory/pipeline';
import { BackboneFixture, waitFor, ApiClient } from '../src';

/**
 * Liveness judges from progress, not from finished jobs: a worker busy with a long stage that
 * reports progress, with a queue behind it, stays live (scaled: an 8 s stage reporting every
 * 200 ms against PF_PROGRESS_TIMEOUT_MS=1500). The stuck worker that reports nothing is
 * declared dead by shutdown-and-health.spec.ts.
 */
describe('liveness from progress', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let api: ApiClient;

  beforeAll(async () => {
    api = await fx.startApi();
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  it('a long stage that reports progress, with a queue behind it, is not declared dead', async () => {
    const busy = await fx.startWorker(['test'], {
      PF_TEST_STAGE_DELAY_MS: '8000',
      PF_TEST_PROGRESS_EVERY_MS: '200',
      PF_WORKER_CONCURRENCY: '1',
      PF_PROGRESS_TIMEOUT_MS: '1500',
    });
    const health = await fx.client(busy.port);
    const first = await api.trigger('image/long-1/debian-12/1.yaml', { from: 'test', to: 'test' });
    const second = await api.trigger('image/long-2/debian-12/1.yaml', { from: 'test', to: 'test' });

    // Watch liveness for as long as the first stage runs with the second one waiting behind it.
    const samples: { status: number; pending: number; stalledForMs: number }[] = [];
    await waitFor(
      'the first long stage to finish',
      async () => {
        const res = await health.request<{ status: string; pending: number; stalledForMs: number }>(
          'GET',
          '/health/live',
        );
        samples.push({ status: res.status, pending: res.body.pending, stalledForMs: res.body.stalledForMs });
        const run = await fx.runs.get(first);
        return run?.state === 'succeeded' ? true : undefined;
      },
      60_000,
      200,
    );

    // Work was pending behind the busy stage over many samples (200 ms apart: longer than the progress timeout)…
    expect(samples.filter((s) => s.pending > 0).length).toBeGreaterThanOrEqual(10);
    // …and liveness never failed.
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    // The executor's progress reached the job's record in BullMQ.
    const progress = JSON.parse(
      (await fx.redis.hget(`${fx.prefix}:{test}:${stageJobId(first, 'test')}`, 'progress')) ?? '{}',
    ) as { what?: string; total?: number };
    expect(progress).toMatchObject({ what: 'test test', total: 40 });
    const runs = await fx.waitForRuns([first, second], 60_000);
    expect(runs.map((r) => r.state)).toEqual(['succeeded', 'succeeded']);
    expect((await health.request('GET', '/health/live')).status).toBe(200);
  }, 120_000);
});
