import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { freePort, startRedisServer } from '@patch-factory/testing';
import { isConnectionError, RedisOutageMonitor } from './redis-outage.monitor';

/** A pino logger whose JSON lines the test reads. */
function capturingLogger(): { logger: pino.Logger; lines: () => { msg: string; outageMs?: number }[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, stream),
    lines: () => out.map((l) => JSON.parse(l) as { msg: string; outageMs?: number }),
  };
}

const until = async (what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> => {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('RedisOutageMonitor: one line down, one line back', () => {
  it('tells connection errors from others', async () => {
    const port = await freePort();
    const c = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    const refused = await c.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    c.disconnect();
    expect(isConnectionError(refused)).toBe(true);
    expect(
      isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isConnectionError(new Error('Missing lock for job 7. moveToFinished'))).toBe(false);
    expect(isConnectionError(new Error('ERR unknown command'))).toBe(false);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
  });

  it('logs a real outage once, however many connection errors come, and its length when Redis is back', async () => {
    const server = await startRedisServer({ aof: false });
    const redis = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    const { logger, lines } = capturingLogger();
    const monitor = new RedisOutageMonitor(redis, logger);
    monitor.onModuleInit();
    try {
      await until('the first connection', () => redis.status === 'ready');
      let errors = 0;
      redis.on('error', () => errors++);
      const admin = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      admin.disconnect();
      // Reconnect attempts every 50 ms, each refused; other clients (workers, queues) report too.
      await until('many refused reconnects', () => errors >= 5);
      expect(monitor.report(new Error('connect ECONNREFUSED 127.0.0.1:6379'), 'worker {build}')).toBe(true);
      expect(monitor.report(new Error('Missing lock for job 7'), 'worker {build}')).toBe(false);
      expect(monitor.down).toBe(true);
      await server.restart();
      await until('the reconnect', () => !monitor.down);
      const logged = lines();
      expect(logged.filter((l) => l.msg === 'redis unreachable')).toHaveLength(1);
      expect(logged.filter((l) => l.msg === 'redis reachable again')).toHaveLength(1);
      expect(logged.find((l) => l.msg === 'redis reachable again')!.outageMs).toBeGreaterThan(0);
      expect(logged.filter((l) => l.msg !== 'redis unreachable' && l.msg !== 'redis reachable again')).toEqual([]);
    } finally {
      monitor.beforeApplicationShutdown();
      redis.disconnect();
      await server.stop();
    }
  }, 60_000);
});
