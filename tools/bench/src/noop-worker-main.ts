import {
  bootstrapService,
  isRunStage,
  type RunStage,
  type StageExecutor,
  type StageResult,
} from '@patch-factory/pipeline';

/**
 * A stage worker for the benchmark whose executor does nothing at all (no Redis
 * command), so that the backbone's own cost can be told apart from the test
 * CountingExecutor's bookkeeping. Otherwise the same service as libs/testing worker-main.
 * Env: PF_TEST_STAGES (one or more stages, comma-separated) and the usual PF_* settings.
 */
class NoopExecutor implements StageExecutor {
  execute(): Promise<StageResult> {
    return Promise.resolve({});
  }
}

const wanted = (process.env['PF_TEST_STAGES'] ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const stages: RunStage[] = wanted.filter(isRunStage);
if (stages.length === 0 || stages.length !== wanted.length) {
  process.stderr.write(`noop-worker-main: PF_TEST_STAGES must name run stages (got "${wanted.join(',')}")\n`);
  process.exit(2);
}
const executor = new NoopExecutor();
void bootstrapService({
  service: process.env['PF_TEST_SERVICE'] ?? `bench-noop-${stages.join('-')}`,
  defaultPort: 0,
  pipeline: { stages, executors: Object.fromEntries(stages.map((s) => [s, executor])) },
});
