import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Env } from '@patch-factory/config';
import { JOB_OPTIONS, RunLauncher } from '@patch-factory/pipeline';
import { JobProducer } from '@patch-factory/queue';
import { AdvisoryRepository, PatchRequestRepository, RunRepository } from '@patch-factory/store';
import { createLogger } from '@patch-factory/telemetry';
import { createCatalogOrigin, dropPrefix, sharedRedisUrl, type CatalogOrigin } from '@patch-factory/testing';
import { CatalogAccess } from '@patch-factory/catalog-access';
import { UpstreamPlanner } from './upstream-planner.service';

/** The planner of a test, on real Redis (the caller's connection and prefix) and a real git catalog of `files`. */
export interface PlannerFixture {
  origin: CatalogOrigin;
  producer: JobProducer;
  planner: UpstreamPlanner;
  /** Stops the producer, removes the catalog and the prefix's keys, and disconnects `redis`. */
  close(): Promise<void>;
}

/** Starts an UpstreamPlanner as the orchestrator runs it (branch mode), with optional soak rules in its watch config. */
export function startPlannerFixture(
  redis: Redis,
  prefix: string,
  files: Record<string, string>,
  soak?: { definitions: string; minReleaseAgeMs: number }[],
): PlannerFixture {
  const origin = createCatalogOrigin(files);
  const watchConfig = join(origin.root, 'watch.json');
  if (soak) writeFileSync(watchConfig, JSON.stringify({ soak }));
  const config = {
    PF_PREFIX: prefix,
    PF_BACKOFF_DELAY_MS: 1000,
    ...(soak ? { PF_WATCH_CONFIG: watchConfig } : {}),
    PF_CATALOG_REMOTE: origin.dir,
    PF_CATALOG_WORKDIR: join(mkdtempSync(join(tmpdir(), 'pf-planner-')), 'catalog.git'),
    PF_GIT_AUTHOR_NAME: 'patch-factory',
    PF_GIT_AUTHOR_EMAIL: 'patch-factory@localhost.localdomain',
    PF_FORGE: 'branch',
  } as unknown as Env;
  const producer = new JobProducer(redis, config, { service: 'test', owns: [], jobOptions: JOB_OPTIONS } as never);
  const runs = new RunRepository(redis, prefix);
  const planner = new UpstreamPlanner(
    config,
    producer,
    new CatalogAccess(config),
    new PatchRequestRepository(redis, prefix),
    runs,
    new AdvisoryRepository(redis, prefix),
    new RunLauncher(runs, producer),
    createLogger('test', 'warn'),
  );
  return {
    origin,
    producer,
    planner,
    close: async () => {
      await producer.onApplicationShutdown();
      origin.cleanup();
      await dropPrefix(sharedRedisUrl(), prefix);
      redis.disconnect();
    },
  };
}
