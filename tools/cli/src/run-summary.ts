import type { PipelineRun } from '@patch-factory/contracts';

/** The stage a run is at: where it failed, or the first one not done yet; undefined when it succeeded. */
export function currentStage(run: PipelineRun): string | undefined {
  if (run.state === 'succeeded') return undefined;
  if (run.state === 'failed') return run.error?.stage ?? run.stages.find((s) => s.status === 'failed')?.stage;
  const active = run.stages.find((s) => s.status === 'running' || s.status === 'awaiting' || s.status === 'failed');
  return (active ?? run.stages.find((s) => s.status === 'queued') ?? run.stages.find((s) => s.status === 'pending'))
    ?.stage;
}

/** How long the run took, or has been going (marked with …) if it has not finished. */
export function runDuration(run: PipelineRun, now: number): { ms: number; finished: boolean } {
  return run.finishedAt !== undefined
    ? { ms: run.finishedAt - run.createdAt, finished: true }
    : { ms: now - run.createdAt, finished: false };
}
