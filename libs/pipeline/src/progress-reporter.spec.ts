import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { sharedRedisUrl } from '@patch-factory/testing';
import { progressReporter, PROGRESS_WRITE_INTERVAL_MS } from './progress-reporter';

const url = sharedRedisUrl();

describe('progressReporter: progress written to the job at most once a second (real Redis, real BullMQ job)', () => {
  const prefix = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('progress-test', { connection: redis, prefix });
  let job: Job;

  beforeAll(async () => {
    job = await queue.add('stage.build', { v: 1 }, { jobId: 'p1' });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    redis.disconnect();
  });

  /** The progress events BullMQ recorded for the job (one per write). */
  const writes = async (): Promise<string[]> => {
    const entries = await redis.xrange(`${prefix}:progress-test:events`, '-', '+');
    return entries
      .map(([, fields]) => fields)
      .filter((f) => f[f.indexOf('event') + 1] === 'progress')
      .map((f) => f[f.indexOf('data') + 1] ?? '');
  };
  const settle = async (count: number): Promise<string[]> => {
    for (let i = 0; i < 100; i++) {
      const w = await writes();
      if (w.length >= count) return w;
      await new Promise((r) => setTimeout(r, 20));
    }
    return writes();
  };

  it('writes the first step, drops the steps within the interval, writes again once it has passed', async () => {
    let clock = 10_000;
    const report = progressReporter(job, () => clock);
    for (const [at, done] of [
      [0, 1],
      [100, 2],
      [500, 3],
      [PROGRESS_WRITE_INTERVAL_MS - 1, 4],
      [PROGRESS_WRITE_INTERVAL_MS, 5],
      [1_500, 6],
      [2_500, 7],
    ] as const) {
      clock = 10_000 + at;
      report({ what: 'package', done, total: 10 });
    }
    const w = await settle(3);
    // Let any stray write land before counting exactly.
    await new Promise((r) => setTimeout(r, 200));
    const all = await writes();
    expect(all).toHaveLength(3);
    expect(w.slice(0, 3).map((d) => (JSON.parse(d) as { done: number }).done)).toEqual([1, 5, 7]);
    const stored = await queue.getJob('p1');
    expect(stored?.progress).toEqual({ what: 'package', done: 7, total: 10, at: 12_500 });
  });

  it('bounds what it writes and never throws, even when the write fails', async () => {
    const report = progressReporter(job);
    report({ what: 'x'.repeat(1_000), done: -3.7 });
    const stored = await (async () => {
      for (let i = 0; i < 100; i++) {
        const j = await queue.getJob('p1');
        if ((j?.progress as { what?: string }).what?.startsWith('x')) return j;
        await new Promise((r) => setTimeout(r, 20));
      }
      return queue.getJob('p1');
    })();
    expect(stored?.progress).toMatchObject({ what: 'x'.repeat(200), done: 0 });
    const failing = { updateProgress: () => Promise.reject(new Error('connection lost')) };
    expect(() => progressReporter(failing)({ what: 'layer', done: 1 })).not.toThrow();
  });
});
