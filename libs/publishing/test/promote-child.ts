// A promotion in a process of its own (libs/publishing/src/promote-crash.spec.ts): runs the real
// PromoteExecutor once for run PF_TEST_PROMOTE_RUN and prints its artifacts. With
// PF_TEST_PROMOTE_KILL_AT=<step> the process kills itself with SIGKILL right after that step of
// the promotion (see PromoteStep): a crash at a chosen point, with nothing flushed or cleaned up.
// PF_TEST_PROMOTE_LOCK_WAIT_MS / PF_TEST_PROMOTE_LOCK_TTL_MS shorten the wait for the repository's
// promotion lock and its time to live (PromoteLockOptions).
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { CatalogAccess } from '@patch-factory/catalog-access';
import { directStageContext } from '@patch-factory/pipeline';
import { PullRequestLinks, ReleaseRepository, RunRepository } from '@patch-factory/store';
import { createLogger } from '@patch-factory/telemetry';
import { PromoteExecutor } from '../src/promote.executor';
import type { PromoteStep } from '../src/promote-steps';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const runId = process.env['PF_TEST_PROMOTE_RUN'] ?? '';
  const killAt = process.env['PF_TEST_PROMOTE_KILL_AT'];
  const redis = new Redis(config.PF_REDIS_URL, { maxRetriesPerRequest: null });
  const runs = new RunRepository(redis, config.PF_PREFIX);
  const run = await runs.get(runId);
  if (!run) throw new Error(`run ${runId} is not in the store`);
  const steps: PromoteStep[] = [];
  const lockOptions = {
    ...(process.env['PF_TEST_PROMOTE_LOCK_WAIT_MS']
      ? { waitMs: Number(process.env['PF_TEST_PROMOTE_LOCK_WAIT_MS']) }
      : {}),
    ...(process.env['PF_TEST_PROMOTE_LOCK_TTL_MS']
      ? { ttlMs: Number(process.env['PF_TEST_PROMOTE_LOCK_TTL_MS']) }
      : {}),
  };
  const executor = new PromoteExecutor(
    new CatalogAccess(config),
    new ReleaseRepository(redis, config.PF_PREFIX),
    config,
    runs,
    new PullRequestLinks(redis, config.PF_PREFIX),
    (step) => {
      steps.push(step);
      process.stdout.write(`step ${step}\n`);
      if (step === killAt) process.kill(process.pid, 'SIGKILL');
    },
    lockOptions,
  );
  const logger = createLogger('promote-child', 'warn');
  const result = await executor.execute(
    directStageContext({ runId, stage: 'promote', definition: run.definition, logger, loadRun: () => runs.get(runId) }),
  );
  process.stdout.write(`promoted ${JSON.stringify(result.artifacts ?? {})}\n`);
  redis.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`promote failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
