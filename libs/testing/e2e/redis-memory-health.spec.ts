import { Redis } from 'ioredis';
import { readRedisMemory } from '@patch-factory/queue';
import { BackboneFixture, startRedisServer, type ApiClient, type RedisServerHandle } from '../src';

// Issue 14, bounded work: the shipped infra/redis.conf caps memory (maxmemory, noeviction), and
// health reports memory pressure before Redis starts refusing writes. A redis-server of the
// test's own (infra/redis.conf), its maxmemory lowered with CONFIG SET; a real API process.

type Health = {
  status: string;
  memory?: { state: string; usedBytes: number; maxBytes: number; percent?: number; policy: string };
};

describe('health reports Redis memory pressure', () => {
  let server: RedisServerHandle;
  let fx: BackboneFixture;
  let api: ApiClient;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    fx = new BackboneFixture(server.url, { PF_LOG_LEVEL: 'warn' });
    api = await fx.startApi();
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
    admin?.disconnect();
    await server?.stop();
  }, 60_000);

  it('the shipped configuration sets maxmemory with noeviction', async () => {
    expect(await admin.config('GET', 'maxmemory')).toEqual(['maxmemory', String(2 * 1024 ** 3)]);
    expect(await admin.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    const res = await api.request<Health>('GET', '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.memory).toMatchObject({ state: 'ok', maxBytes: 2 * 1024 ** 3, policy: 'noeviction' });
    expect(res.body.memory?.usedBytes).toBeGreaterThan(0);
  });

  it('reports pressure from 90 % of maxmemory on, and unbounded without one', async () => {
    const used = (await readRedisMemory(admin, 90)).usedBytes;
    // Used memory at about 95 % of the cap: writes still work, the warning is on.
    await admin.config('SET', 'maxmemory', String(Math.ceil(used / 0.95)));
    const res = await api.request<Health>('GET', '/health/ready');
    expect(res.body.memory?.state).toBe('pressure');
    expect(res.body.memory?.percent).toBeGreaterThanOrEqual(90);
    expect(res.body.memory?.percent).toBeLessThan(100);

    await admin.config('SET', 'maxmemory', String(used * 4));
    expect((await api.request<Health>('GET', '/health/ready')).body.memory?.state).toBe('ok');
    await admin.config('SET', 'maxmemory', '0');
    expect((await api.request<Health>('GET', '/health/ready')).body.memory).toMatchObject({
      state: 'unbounded',
      maxBytes: 0,
    });
  });
});
