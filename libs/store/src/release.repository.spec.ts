import { Redis } from 'ioredis';
import type { ImageEvent } from '@patch-factory/contracts';
import { dropPrefix, sharedRedisUrl, testPrefix } from '@patch-factory/testing';
import { ReleaseRepository } from './release.repository';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

const event = (id: string, over: Partial<ImageEvent> = {}): ImageEvent => ({
  id,
  type: 'image.updated',
  repository: '127.0.0.1:5000/examples/redis',
  digest: D2,
  tags: [{ tag: '7.0', digest: D2, previous: D1 }],
  cvesFixed: ['CVE-2099-0001'],
  runId: 'run-1',
  definition: 'image/redis/debian-12/7.0.yaml',
  at: 1_000,
  ...over,
});

describe('ReleaseRepository (real Redis)', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const repo = new ReleaseRepository(redis, prefix);
  afterAll(async () => {
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  });

  it('records where each tag points and every move, newest first', async () => {
    expect(await repo.tag('examples/redis', '7.0')).toBeUndefined();
    await repo.recordTagMove('examples/redis', '7.0', { digest: D1, runId: 'run-0', at: 1 });
    await repo.recordTagMove('examples/redis', '7.0', { digest: D2, runId: 'run-1', at: 2, previous: D1 });
    expect(await repo.tag('examples/redis', '7.0')).toEqual({ digest: D2, runId: 'run-1', at: 2 });
    const history = await repo.history('examples/redis');
    expect(history.map((h) => [h.tag, h.previous, h.digest])).toEqual([
      ['7.0', D1, D2],
      ['7.0', undefined, D1],
    ]);
  });

  it('appends an image event once per id and lists them after a stream id', async () => {
    expect(await repo.appendEvent(event('run-1:promote'))).toBe(true);
    expect(await repo.appendEvent(event('run-1:promote'))).toBe(false);
    expect(
      await repo.appendEvent(event('run-2:promote', { type: 'image.published', tags: [{ tag: '8.0', digest: D2 }] })),
    ).toBe(true);
    const all = await repo.events();
    expect(all.map((e) => e.event.id)).toEqual(['run-1:promote', 'run-2:promote']);
    const after = await repo.events(all[0]?.streamId);
    expect(after.map((e) => e.event.type)).toEqual(['image.published']);
  });

  it('refuses a malformed event and appends nothing', async () => {
    await expect(repo.appendEvent(event('bad', { digest: 'sha256:nothex' }))).rejects.toThrow();
    expect((await repo.events()).some((e) => e.event.id === 'bad')).toBe(false);
  });

  it('keeps the last published image of a definition', async () => {
    await repo.recordPublished('image/redis/debian-12/7.0.yaml', {
      digest: D2,
      runId: 'run-1',
      scanReport: '/out/run-1/scan-report.json',
      at: 5,
    });
    expect(await repo.published('image/redis/debian-12/7.0.yaml')).toEqual({
      digest: D2,
      runId: 'run-1',
      scanReport: '/out/run-1/scan-report.json',
      at: 5,
    });
    expect(await repo.published('image/other.yaml')).toBeUndefined();
  });
});
