import type { PipelineRun, StageName } from '@patch-factory/contracts';
import type { PullRequestLinks, RunRepository } from '@patch-factory/store';

/** At most this many runs linked to one branch are read when deciding which run is newest. */
const MAX_LINKED_RUNS = 500;

/**
 * True when run `a` was created after run `b` (creation time, then run id: run ids are
 * time-sortable, so two runs created in the same millisecond still have one order).
 */
export function isNewerRun(
  a: Pick<PipelineRun, 'id' | 'createdAt'>,
  b: Pick<PipelineRun, 'id' | 'createdAt'>,
): boolean {
  return a.createdAt !== b.createdAt ? a.createdAt > b.createdAt : a.id > b.id;
}

/** The other runs of `run`'s definition that wait on the pull request of `branch` (linked by their review stage). */
export async function runsOfDefinitionOnBranch(
  runs: RunRepository,
  links: PullRequestLinks,
  run: PipelineRun,
  branch: string,
): Promise<PipelineRun[]> {
  const ids = (await links.runsOf(branch)).filter((id) => id !== run.id).slice(0, MAX_LINKED_RUNS);
  const found: PipelineRun[] = [];
  for (const id of ids) {
    const other = await runs.get(id);
    if (other && other.definition === run.definition) found.push(other);
  }
  return found;
}

/** The newest run among `candidates` newer than `run` for which `counts` holds; undefined when none. */
export function newestNewerRun(
  run: PipelineRun,
  candidates: readonly PipelineRun[],
  counts: (r: PipelineRun) => boolean,
): PipelineRun | undefined {
  let newest: PipelineRun | undefined;
  for (const c of candidates) if (counts(c) && isNewerRun(c, run) && (!newest || isNewerRun(c, newest))) newest = c;
  return newest;
}

/** A run that may still be promoted: it has not failed and no other run superseded it. */
export const mayBePromoted = (r: PipelineRun): boolean => r.state !== 'failed' && r.state !== 'superseded';

/** Whether `r` got past `stage` (its status there is succeeded). */
export const isPast = (r: PipelineRun, stage: StageName): boolean =>
  r.stages.find((s) => s.stage === stage)?.status === 'succeeded';

/** Why `older` is superseded by `newer`, for the run's record. */
export function supersededReason(older: PipelineRun, newer: PipelineRun): string {
  return `run ${newer.id} of ${older.definition} is newer (created ${new Date(newer.createdAt).toISOString()}, this run ${new Date(older.createdAt).toISOString()}) and waits on the same pull request: it is promoted instead, never this run`;
}
