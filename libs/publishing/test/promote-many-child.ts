// Many promotions at once in one process of its own (libs/publishing/src/promote-parallel.spec.ts):
// runs the real PromoteExecutor concurrently for each run of PF_TEST_PROMOTE_RUNS (comma-separated),
// as a worker with that concurrency would, and prints one line per run:
// `result <runId> ok <artifacts JSON>` or `result <runId> failed <code> <message>`.
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { PipelineError } from '@patch-factory/contracts';
import { CatalogAccess } from '@patch-factory/catalog-access';
import { directStageContext } from '@patch-factory/pipeline';
import { PullRequestLinks, ReleaseRepository, RunRepository } from '@patch-factory/store';
import { createLogger } from '@patch-factory/telemetry';
import { PromoteExecutor } from '../src/promote.executor';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const runIds = (process.env['PF_TEST_PROMOTE_RUNS'] ?? '').split(',').filter((r) => r.length > 0);
  const redis = new Redis(config.PF_REDIS_URL, { maxRetriesPerRequest: null });
  const runs = new RunRepository(redis, config.PF_PREFIX);
  const executor = new PromoteExecutor(
    new CatalogAccess(config),
    new ReleaseRepository(redis, config.PF_PREFIX),
    config,
    runs,
    new PullRequestLinks(redis, config.PF_PREFIX),
  );
  const logger = createLogger('promote-many-child', 'warn');
  await Promise.all(
    runIds.map(async (runId) => {
      const run = await runs.get(runId);
      if (!run) throw new Error(`run ${runId} is not in the store`);
      try {
        const result = await executor.execute(
          directStageContext({
            runId,
            stage: 'promote',
            definition: run.definition,
            logger,
            loadRun: () => runs.get(runId),
          }),
        );
        process.stdout.write(`result ${runId} ok ${JSON.stringify(result.artifacts ?? {})}\n`);
      } catch (error) {
        const code = error instanceof PipelineError ? error.code : 'unexpected';
        process.stdout.write(
          `result ${runId} failed ${code} ${error instanceof Error ? error.message.replace(/\n/g, ' ') : String(error)}\n`,
        );
      }
    }),
  );
  redis.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`promote-many failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
