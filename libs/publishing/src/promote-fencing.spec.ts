// Fencing of a promotion, on real parts (real Redis, a real docker-registry, the real
// PromoteExecutor): a promotion that stalls past its lock's time to live, while another run takes
// the repository's lock, is refused its store writes (promote-lock-lost, naming why) and writes
// nothing; the run that took over promotes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { PipelineError } from '@patch-factory/contracts';
import { CatalogAccess } from '@patch-factory/catalog-access';
import { directStageContext, newRunId, type StageContext } from '@patch-factory/pipeline';
import { PullRequestLinks, ReleaseRepository, RunRepository } from '@patch-factory/store';
import { createLogger } from '@patch-factory/telemetry';
import {
  STATIC_DEFINITION as DEFINITION,
  createStaticCatalog,
  dropPrefix,
  pushImage,
  sharedRedisUrl,
  startRegistry,
  testPrefix,
  type CatalogOrigin,
  type RegistryInstance,
} from '@patch-factory/testing';
import { PromoteExecutor } from './promote.executor';
import type { PromoteStep } from './promote-steps';

const STAGING = 'staging/examples/static';
const RELEASE = 'examples/static';
const TTL_MS = 200;

/** Blocks this process (timers included, as a long GC pause or a starved CPU would) for `ms`. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
}

describe('a promotion whose lock lapsed and was taken over writes nothing', () => {
  const prefix = testPrefix();
  const redis = new Redis(sharedRedisUrl());
  const runs = new RunRepository(redis, prefix);
  const releases = new ReleaseRepository(redis, prefix);
  let registry: RegistryInstance;
  let origin: CatalogOrigin;
  let work: string;

  beforeAll(async () => {
    registry = await startRegistry();
    origin = createStaticCatalog();
    work = mkdtempSync(join(tmpdir(), 'pf-promote-fencing-'));
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    origin?.cleanup();
    rmSync(work, { recursive: true, force: true });
    await dropPrefix(sharedRedisUrl(), prefix);
    redis.disconnect();
  }, 60_000);

  const publishedRun = async (label: string): Promise<{ runId: string; digest: string }> => {
    const runId = newRunId();
    const digest = await pushImage(registry.url, STAGING, runId.toLowerCase(), `the image of ${label}`);
    await runs.create({
      id: runId,
      definition: DEFINITION,
      trigger: { kind: 'manual' },
      stages: ['publish', 'promote'],
      now: Date.now(),
    });
    await runs.startStage(runId, 'publish');
    await runs.completeStage(runId, 'publish', {
      durationMs: 1,
      artifacts: { 'publish.repository': STAGING, 'publish.digest': digest },
    });
    return { runId, digest };
  };
  const executor = (onStep?: (step: PromoteStep) => void | Promise<void>) => {
    const config = loadConfig({
      ...process.env,
      PF_PREFIX: prefix,
      PF_REDIS_URL: sharedRedisUrl(),
      PF_REGISTRY_URL: registry.url,
      PF_CATALOG_REMOTE: origin.dir,
      PF_CATALOG_WORKDIR: join(work, `catalog-${newRunId()}.git`),
    });
    return new PromoteExecutor(
      new CatalogAccess(config),
      releases,
      config,
      runs,
      new PullRequestLinks(redis, prefix),
      onStep,
      { ttlMs: TTL_MS, waitMs: 30_000, pollMs: 50 },
    );
  };
  const context = (runId: string): StageContext<'promote'> =>
    directStageContext({
      runId,
      stage: 'promote',
      definition: DEFINITION,
      logger: createLogger('promote-fencing', 'error'),
      loadRun: () => runs.get(runId),
    });

  it('refuses the stalled holder with promote-lock-lost; the run that took the lock over promotes', async () => {
    const a = await publishedRun('run A, stalled after its plan');
    const b = await publishedRun('run B, takes the lock over');
    let takenOver: Awaited<ReturnType<ReleaseRepository['lockPromotion']>> | undefined;
    const stalled = executor(async (step) => {
      if (step !== 'planned') return;
      // A stalls (no renewal runs) past its lock's time to live; B takes the lapsed lock meanwhile.
      stall(TTL_MS * 3);
      takenOver = await releases.lockPromotion(RELEASE, b.runId, 60_000);
    });
    const error = await stalled.execute(context(a.runId)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(takenOver).toMatchObject({ acquired: true, lease: { runId: b.runId } });
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'promote-lock-lost', retryable: true });
    expect((error as Error).message).toMatch(new RegExp(`the promotion lock of ${RELEASE} .*was taken`));
    // Nothing of A's promotion is recorded: no tag pointer, no history, no event, not done.
    expect(await releases.tag(RELEASE, '12')).toBeUndefined();
    expect(await releases.history(RELEASE)).toEqual([]);
    expect(await releases.events()).toEqual([]);
    expect((await releases.promotion(a.runId)).done).toBe(false);

    // B held the lock (a promotion of its own in another process, here let go) and promotes.
    if (takenOver?.acquired) await releases.releasePromotion(takenOver.lease);
    const promoted = await executor().execute(context(b.runId));
    expect(promoted.artifacts?.['promote.tags']).toContain(`12: `);
    expect((await releases.tag(RELEASE, '12'))?.digest).toBe(b.digest);
    expect((await releases.events()).map((e) => e.event.runId)).toEqual([b.runId]);
  }, 120_000);
});
