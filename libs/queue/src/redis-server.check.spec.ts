import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startRedisServer, type RedisServerHandle, type RedisServerOptions } from '@patch-factory/testing';
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
  const connect = async (args: RedisServerOptions) => {
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

  it('refuses a server without the append-only file, and boots with one warning when PF_REDIS_ALLOW_NO_AOF allows it', async () => {
    const redis = await connect({ aof: false });
    const loud = capturingLogger();
    await expect(checkRedisServer(redis, { allowNoAof: false, logger: loud.logger })).rejects.toThrow(
      /Redis persistence is too weak: the append-only file is off.*appendonly yes \+ appendfsync always.*PF_REDIS_ALLOW_NO_AOF=true/,
    );
    const allowed = capturingLogger();
    await expect(checkRedisServer(redis, { allowNoAof: true, logger: allowed.logger })).resolves.toMatchObject({
      aof: false,
      policy: 'noeviction',
    });
    expect(allowed.lines.map((l) => l.level)).toEqual([40]);
    expect(allowed.lines[0]!.msg).toContain('append-only file is off');
  });

  it.each(['everysec', 'no'] as const)(
    'refuses appendfsync %s (a host crash loses acknowledged writes) unless allowed',
    async (fsync) => {
      const redis = await connect({ appendfsync: fsync });
      const { logger } = capturingLogger();
      const check = checkRedisServer(redis, { allowNoAof: false, logger });
      await expect(check).rejects.toBeInstanceOf(RedisConfigError);
      await expect(checkRedisServer(redis, { allowNoAof: false, logger })).rejects.toThrow(
        `appendfsync is "${fsync}": a host crash or power loss can lose writes Redis already acknowledged`,
      );
      const allowed = capturingLogger();
      await expect(checkRedisServer(redis, { allowNoAof: true, logger: allowed.logger })).resolves.toEqual(
        expect.objectContaining({ aof: true, fsync }),
      );
      expect(allowed.lines).toEqual([expect.objectContaining({ level: 40, appendfsync: fsync })]);
    },
  );

  it('sees a CONFIG SET to a weaker policy at the next check', async () => {
    const redis = await connect({});
    const { logger } = capturingLogger();
    await expect(checkRedisServer(redis, { allowNoAof: false, logger })).resolves.toMatchObject({ fsync: 'always' });
    await redis.config('SET', 'appendfsync', 'everysec');
    await expect(checkRedisServer(redis, { allowNoAof: false, logger })).rejects.toThrow('appendfsync is "everysec"');
  });

  it('says loudly that the fsync policy cannot be checked when CONFIG is disabled, and boots', async () => {
    const redis = await connect({ extraArgs: ['--rename-command', 'CONFIG', ''] });
    const { logger, lines } = capturingLogger();
    await expect(checkRedisServer(redis, { allowNoAof: false, logger })).resolves.toMatchObject({
      aof: true,
      fsync: undefined,
    });
    expect(lines.map((l) => l.level)).toEqual([50]);
    expect(lines[0]!.msg).toContain('FSYNC POLICY CANNOT BE CHECKED');
  });

  it('accepts the configuration of infra/redis.conf (the fixture default) without a word', async () => {
    const redis = await connect({});
    const { logger, lines } = capturingLogger();
    await expect(checkRedisServer(redis, { allowNoAof: false, logger })).resolves.toMatchObject({
      aof: true,
      fsync: 'always',
      policy: 'noeviction',
    });
    expect(lines).toEqual([]);
  });
});
