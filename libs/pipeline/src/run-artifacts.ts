import type { PipelineRun } from '@patch-factory/contracts';

/** The artifact `key` that stage `stage` of `run` recorded (undefined when the run, the stage or the key is missing). */
export function stageArtifact(run: PipelineRun | undefined, stage: string, key: string): string | undefined {
  return run?.stages.find((s) => s.stage === stage)?.artifacts[key];
}
