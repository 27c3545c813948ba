import { bootstrapService, isRunStage, RUN_STAGES, type RunStage } from '@patch-factory/pipeline';
import { CountingExecutor } from './test-executors';

/**
 * A stage worker process for tests: PF_TEST_STAGES (comma-separated, default all) with
 * the CountingExecutor for each. Started by spawnWorker().
 */
const wanted = (process.env['PF_TEST_STAGES'] ?? RUN_STAGES.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const stages: RunStage[] = wanted.filter(isRunStage);
if (stages.length !== wanted.length) {
  process.stderr.write(`worker-main: unknown stage in PF_TEST_STAGES=${wanted.join(',')}\n`);
  process.exit(2);
}
void bootstrapService({
  service: process.env['PF_TEST_SERVICE'] ?? `test-worker-${stages.join('-')}`,
  defaultPort: 0,
  pipeline: {
    stages,
    executors: Object.fromEntries(stages.map((s) => [s, CountingExecutor])),
  },
});
