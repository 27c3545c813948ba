import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startRedisServer, type RedisServerHandle } from '@patch-factory/testing';
import { checkRedisServer, RedisConfigError } from './redis-server.check';

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('startup check of the Redis server', () => {
  const servers: RedisServerHandle[] = [];
  const clients: Redis[] = [];
  const connect = async (args: { aof?: boolean; extraArgs?: string[] }) => {
    const server = await startRedisServer(args);
    servers.push(server);
    const c = new Redis(server.url);
    clients.push(c);
    return c;
  };
  afterAll(async () => {
    clients.forEach((c) => c.disconnect());
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('refuses a server that may evict keys', async () => {
    const redis = await connect({ extraArgs: ['--maxmemory-policy', 'allkeys-lru'] });
    const { logger } = capturingLogger();
    const check = checkRedisServer(redis, { allowNoAof: false, logger });
    await expect(check).rejects.toBeInstanceOf(RedisConfigError);
    await expect(checkRedisServer(redis, { allowNoAof: false, logger })).rejects.toThrow(
      'Redis maxmemory-policy is "allkeys-lru"; patch-factory needs "noeviction"',
    );
  });

  it('warns loudly when the append-only file is off, quietly when that is allowed', async () => {
    const redis = await connect({ aof: false });
    const loud = capturingLogger();
    await expect(checkRedisServer(redis, { allowNoAof: false, logger: loud.logger })).resolves.toMatchObject({ aof: false, policy: 'noeviction' });
    expect(loud.lines).toHaveLength(1);
    expect(loud.lines[0]!.level).toBe(50);
    expect(loud.lines[0]!.msg).toContain('APPEND-ONLY FILE IS OFF');
    const quiet = capturingLogger();
    await checkRedisServer(redis, { allowNoAof: true, logger: quiet.logger });
    expect(quiet.lines).toEqual([expect.objectContaining({ level: 40 })]);
  });

  it('accepts the configuration of infra/redis.conf without a word', async () => {
    const redis = await connect({ aof: true });
    const { logger, lines } = capturingLogger();
    await expect(checkRedisServer(redis, { allowNoAof: false, logger })).resolves.toMatchObject({ aof: true, policy: 'noeviction' });
    expect(lines).toEqual([]);
  });
});
