import type { Job } from 'bullmq';
import type { StageProgress } from './stage-executor';

/** Least time between two progress writes of one job (liveness is judged in minutes). */
export const PROGRESS_WRITE_INTERVAL_MS = 1_000;

/**
 * The `progress` function a StageRunner hands its executor: writes the step to the job
 * (BullMQ's updateProgress, which the worker host's liveness tracker listens to) at most
 * once per PROGRESS_WRITE_INTERVAL_MS (the first step of each interval is written, the others
 * of that interval dropped: liveness needs a heartbeat, not every step). Never throws: a lost progress
 * write only makes liveness judge from the previous one.
 */
export function progressReporter(
  job: Pick<Job, 'updateProgress'>,
  now: () => number = Date.now,
): (step: StageProgress) => void {
  let lastWrite = -Infinity;
  return (step) => {
    const at = now();
    if (at - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
    lastWrite = at;
    const value = {
      what: String(step.what).slice(0, 200),
      done: Math.max(0, Math.floor(step.done)),
      ...(step.total !== undefined ? { total: Math.max(0, Math.floor(step.total)) } : {}),
      at,
    };
    job.updateProgress(value).catch(() => undefined);
  };
}
