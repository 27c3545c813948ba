import { RUN_STAGES } from '@patch-factory/pipeline';
import { BackboneFixture } from './backbone-fixture';
import type { ApiClient } from './api-client';
import { startRedisServer, type RedisServerHandle } from './redis-server';

/** What a fault test on its own Redis works with, once its beforeAll has run. */
export interface OwnRedisBackbone {
  redis: RedisServerHandle;
  fx: BackboneFixture;
  api: ApiClient;
}

/**
 * Registers the beforeAll/afterAll of a test that breaks Redis on purpose: a redis-server of its
 * own (infra/redis.conf, its own port and folder), an API and `workers` stage-worker processes
 * on it; everything stopped afterwards. Read the fields inside the tests.
 */
export function useOwnRedisBackbone(
  env: Record<string, string>,
  workers = 2,
  stages: readonly string[] = RUN_STAGES,
): OwnRedisBackbone {
  const backbone = {} as OwnRedisBackbone;
  beforeAll(async () => {
    backbone.redis = await startRedisServer();
    backbone.fx = new BackboneFixture(backbone.redis.url, env);
    backbone.api = await backbone.fx.startApi();
    await Promise.all(Array.from({ length: workers }, () => backbone.fx.startWorker(stages)));
  }, 120_000);
  afterAll(async () => {
    await backbone.fx?.close();
    await backbone.redis?.stop();
  }, 60_000);
  return backbone;
}
