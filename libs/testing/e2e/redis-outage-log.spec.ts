import { Redis } from 'ioredis';
import { RUN_STAGES } from '@patch-factory/pipeline';
import {
  BackboneFixture,
  startRedisServer,
  waitFor,
  type ApiClient,
  type RedisServerHandle,
  type ServiceProcess,
} from '../src';

/** The process's log lines with this message. */
const lines = (p: ServiceProcess, msg: string) =>
  p
    .output()
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`));

/**
 * A Redis outage is two log lines per process: one when Redis becomes unreachable, one when
 * it is back (with the outage's length); the connection errors in between are not logged.
 */
describe('one log line per Redis outage', () => {
  let redis: RedisServerHandle;
  let fx: BackboneFixture;
  let api: ApiClient;
  let worker: ServiceProcess;

  beforeAll(async () => {
    redis = await startRedisServer({ aof: true });
    fx = new BackboneFixture(redis.url, { PF_LOG_LEVEL: 'info', PF_TEST_STAGE_DELAY_MS: '20' });
    api = await fx.startApi();
    worker = await fx.startWorker(RUN_STAGES);
  }, 120_000);
  afterAll(async () => {
    await fx.close();
    // SHUTDOWN (the handle's restart() then starts it again on the same port and data).
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    admin.disconnect();
  }, 60_000);

  it('a worker with ten queues and the API log the outage once each, with its duration, and work on after it', async () => {
    const before = await api.trigger('image/outage-before/debian-12/1.yaml');
    await fx.waitForRuns([before], 60_000);

    // SHUTDOWN (the handle's restart() then starts it again on the same port and data).
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    admin.disconnect();
    // Down for a few seconds: every connection of both processes retries many times meanwhile.
    await waitFor(
      'both processes to notice the outage',
      () =>
        Promise.resolve(
          lines(worker, 'redis unreachable').length > 0 && lines(fx.processes[0]!, 'redis unreachable').length > 0
            ? true
            : undefined,
        ),
      20_000,
      50,
    );
    await new Promise((r) => setTimeout(r, 4_000));
    await redis.restart();

    for (const p of [worker, fx.processes[0]!]) {
      await waitFor(
        'the process to see Redis back',
        () => Promise.resolve(lines(p, 'redis reachable again').length > 0 ? true : undefined),
        30_000,
        50,
      );
    }
    const after = await api.trigger('image/outage-after/debian-12/1.yaml');
    const [run] = await fx.waitForRuns([after], 60_000);
    expect(run!.state).toBe('succeeded');

    for (const p of [worker, fx.processes[0]!]) {
      const down = lines(p, 'redis unreachable');
      const up = lines(p, 'redis reachable again');
      expect({ pid: p.pid, down: down.length, up: up.length }).toEqual({ pid: p.pid, down: 1, up: 1 });
      const outageMs = Number(/"outageMs":(\d+)/.exec(up[0]!)?.[1]);
      expect(outageMs).toBeGreaterThan(0);
      // Nothing else about the lost connection: no per-worker, per-queue or ioredis error lines.
      const noise = p
        .output()
        .split('\n')
        .filter(
          (l) =>
            /ECONNREFUSED|Connection is closed|worker error|queue error|Unhandled error event/.test(l) &&
            !l.includes('"msg":"redis unreachable"'),
        );
      expect(noise).toEqual([]);
    }
  }, 180_000);
});
