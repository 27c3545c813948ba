import type { PipelineRun } from '@patch-factory/contracts';
import { stageArtifact } from '@patch-factory/pipeline';
import type { PromotionPlan, ReleaseRepository, RunRepository } from '@patch-factory/store';
import type { CommitAncestry } from './promote-order';
import { promotionOrder, type PromotedBy } from './promote-order';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';

export interface OlderImageCheck {
  run: PipelineRun;
  digest: string;
  /** Release repository (`examples/redis`). */
  image: string;
  /** The definition's tags and where each points now. */
  tags: PromotionPlan['tags'];
  releases: ReleaseRepository;
  runs: RunRepository;
  ancestry: CommitAncestry;
}

/**
 * Throws `promote-older-image` (a TerminalError, so the run fails with it) when a release tag
 * points at an image of a newer run of the definition: the one the factory recorded moving
 * the tag there. The definition commits decide first (git ancestry), then creation order. A
 * tag the factory has no record of (moved by hand, or by a run no longer stored) is not judged.
 */
export async function refuseOlderImage(check: OlderImageCheck): Promise<void> {
  const candidate: PromotedBy = {
    runId: check.run.id,
    createdAt: check.run.createdAt,
    ...withCommit(stageArtifact(check.run, 'build', 'build.commit')),
  };
  for (const { tag, previous } of check.tags) {
    if (previous === undefined || previous === check.digest) continue;
    const recorded = await check.releases.tag(check.image, tag);
    // The registry is the truth: the record counts only if the tag still points where it says.
    if (!recorded || recorded.digest !== previous || recorded.runId === check.run.id) continue;
    let current: PromotedBy = {
      runId: recorded.runId,
      ...withCommit(recorded.commit),
      ...(recorded.runCreatedAt !== undefined ? { createdAt: recorded.runCreatedAt } : {}),
    };
    if (current.createdAt === undefined || current.commit === undefined) {
      const other = await check.runs.get(recorded.runId);
      if (other)
        current = {
          ...withCommit(stageArtifact(other, 'build', 'build.commit')),
          ...current,
          createdAt: current.createdAt ?? other.createdAt,
        };
    }
    const order = await promotionOrder(candidate, current, check.ancestry);
    if (!order.newer) {
      throw publishingTerminal(
        PublishingErrorCode.olderImage,
        `promote refused: tag ${tag} of ${check.image} points at ${previous}, promoted by run ${recorded.runId}, which is newer than this run's image ${check.digest}: ${order.reason}. No tag was moved.`,
      );
    }
  }
}

function withCommit(commit: string | undefined): { commit?: string } {
  return commit ? { commit } : {};
}
