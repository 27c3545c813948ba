/** Whether commit `ancestor` is an ancestor of (or is) commit `of`; undefined when it cannot tell (CatalogWorkspace.commitAncestry). */
export type CommitAncestry = (ancestor: string, of: string) => Promise<boolean | undefined>;

/** What decides the order of two images of one definition: the run that built each. */
export interface PromotedBy {
  runId: string;
  /** The catalog commit its definition was read at (`build.commit`). */
  commit?: string;
  /** When its run was created (epoch ms). */
  createdAt?: number;
}

/** The order of a candidate image against the one a tag points at, and why. */
export interface PromotionOrder {
  /** True when the candidate may replace the current image (it is newer, or no order is known). */
  newer: boolean;
  reason: string;
}

/**
 * Decides whether `candidate` is newer than `current`. The definition commit decides first:
 * when one commit is an ancestor of the other, the descendant is newer. Otherwise (the same
 * commit, sibling commits, commits git does not have) the runs' creation order decides, then
 * their ids (time-sortable). With nothing to compare, the candidate is taken as newer: the
 * factory has no record that it is not.
 */
export async function promotionOrder(
  candidate: PromotedBy,
  current: PromotedBy,
  ancestry: CommitAncestry,
): Promise<PromotionOrder> {
  if (candidate.commit && current.commit && candidate.commit !== current.commit) {
    if (await ancestry(candidate.commit, current.commit)) {
      return {
        newer: false,
        reason: `its definition commit ${candidate.commit.slice(0, 12)} is an ancestor of ${current.commit.slice(0, 12)}, which the image of run ${current.runId} was built from`,
      };
    }
    if (await ancestry(current.commit, candidate.commit)) {
      return {
        newer: true,
        reason: `its definition commit ${candidate.commit.slice(0, 12)} descends from ${current.commit.slice(0, 12)}`,
      };
    }
  }
  if (candidate.createdAt !== undefined && current.createdAt !== undefined) {
    const newer =
      candidate.createdAt !== current.createdAt
        ? candidate.createdAt > current.createdAt
        : candidate.runId > current.runId;
    const when = (ms: number) => new Date(ms).toISOString();
    return newer
      ? { newer, reason: `run ${candidate.runId} was created after run ${current.runId}` }
      : {
          newer,
          reason: `run ${candidate.runId} (created ${when(candidate.createdAt)}) is older than run ${current.runId} (created ${when(current.createdAt)}) that built it${candidate.commit && candidate.commit === current.commit ? `, from the same definition commit ${candidate.commit.slice(0, 12)}` : ''}`,
        };
  }
  return { newer: true, reason: `the factory has no record of the run ${current.runId} to compare with` };
}
