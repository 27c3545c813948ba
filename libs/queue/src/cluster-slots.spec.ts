import { Queue } from 'bullmq';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { ALL_QUEUE_NAMES } from '@patch-factory/contracts';
import { RunRepository } from '@patch-factory/store';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';

describe('keys work on Redis Cluster: every multi-key operation stays in one hash slot', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null });
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  it('puts all keys of one queue in one slot, and the queues in different slots', async () => {
    const slots = new Map<string, Set<number>>();
    for (const name of ALL_QUEUE_NAMES) {
      const q = new Queue(name, { connection: redis, prefix });
      await q.add('probe', { v: 1 }, { jobId: 'probe-1', delay: 60_000 });
      await q.add('probe', { v: 1 }, { jobId: 'probe-2' });
      await q.close();
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(
          cursor,
          'MATCH',
          `${prefix}:${name.replace(/[{}]/g, '\\$&')}:*`,
          'COUNT',
          500,
        );
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      expect(keys.length).toBeGreaterThan(3);
      slots.set(name, new Set(keys.map((k) => calculateSlot(k))));
    }
    for (const [name, s] of slots) expect({ name, slots: s.size }).toEqual({ name, slots: 1 });
    const distinct = new Set([...slots.values()].map((s) => [...s][0]));
    expect(distinct.size).toBeGreaterThan(ALL_QUEUE_NAMES.length / 2);
  });

  it('keeps a run and its indexes in one slot, as its Lua transitions require', async () => {
    const runs = new RunRepository(redis, prefix);
    await runs.create({
      id: 'run-slot',
      definition: 'image/a/debian-12/1.yaml',
      trigger: { kind: 'manual' },
      stages: ['build'],
      now: 1,
    });
    // SCAN, not KEYS: the services' Redis user may not run KEYS (issue 14 ACL).
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:\\{store\\}:*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(new Set(keys.map((k) => calculateSlot(k))).size).toBe(1);
  });
});
