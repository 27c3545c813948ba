import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  isNewerRun,
  mayBePromoted,
  newestNewerRun,
  runsOfDefinitionOnBranch,
  stageArtifact,
  supersededReason,
  type StageContext,
  type StageExecutor,
  type StageResult,
  type WrittenArtifacts,
} from '@patch-factory/pipeline';
import { JobProducer } from '@patch-factory/queue';
import { PatchRequestRepository, PullRequestLinks, RunRepository } from '@patch-factory/store';
import { CatalogAccess } from '@patch-factory/catalog-access';
import { imageStreamOfRequest } from './patch.executor';
import { MANUAL_RUN, patchRequestOfRun } from './patch-request-of-run';
import { ReviewReporter } from './review-reporter';

/**
 * `review`: opens or updates the stream's one pull request, with the results of every run
 * of the PatchRequest so far (ReviewReporter), links this run to the branch, and merges when
 * the severity policy and the checks allow. Otherwise the run waits at review until the
 * merge webhook resumes it.
 *
 * Runs of one definition share the stream's branch and its pull request: the newest run
 * supersedes the older ones still waiting on it (they end `superseded`, naming it, and are
 * never promoted), and a run that reaches review after a newer one is superseded at once.
 */
@Injectable()
export class ReviewExecutor implements StageExecutor<'review'> {
  constructor(
    private readonly requests: PatchRequestRepository,
    private readonly links: PullRequestLinks,
    private readonly access: CatalogAccess,
    private readonly reporter: ReviewReporter,
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
  ) {}

  async execute(ctx: StageContext<'review'>): Promise<StageResult<'review'>> {
    const found = await patchRequestOfRun(ctx, this.requests);
    if (!found) return { artifacts: { ...MANUAL_RUN } };
    const { request } = found;
    const run = await ctx.loadRun();
    const branch = stageArtifact(run, 'patch', 'patch.branch');
    const head = stageArtifact(run, 'patch', 'patch.head');
    const base = stageArtifact(run, 'patch', 'patch.base');
    if (!branch || !base)
      return { artifacts: { 'review.outcome': 'nothing to review: the default branch already has the change' } };
    const forge = this.access.forge();
    // The stored PatchRequest's severity: the stored advisory's, set by the planner (trustedEvent); else the operator's PF_UPDATE_SEVERITY.
    const severity = request.severity ?? this.access.severity;
    const stream = imageStreamOfRequest(request);
    await this.links.link(branch, ctx.runId);
    if (run) {
      const others = await runsOfDefinitionOnBranch(this.runs, this.links, run, branch);
      const newer = newestNewerRun(run, others, mayBePromoted);
      if (newer) {
        await this.runs.supersede(ctx.runId, 'review', newer.id, supersededReason(run, newer));
        ctx.logger.info({ supersededBy: newer.id, branch }, 'run superseded by a newer run of its definition');
        return { artifacts: { 'review.superseded-by': newer.id } };
      }
      for (const older of others) {
        if (!isNewerRun(run, older)) continue;
        // Only runs still before their promotion: one whose pull request merged already is promote's to judge.
        const outcome = await this.runs.supersede(older.id, 'review', ctx.runId, supersededReason(older, run));
        if (outcome === 'ok')
          ctx.logger.info({ superseded: older.id, branch }, 'older run of the definition superseded');
      }
    }
    const pr = await this.reporter.ensurePullRequest(request, ctx.runId, branch, base);
    // Only a pull request opened just now can have predecessors on another branch (the branch of a
    // stream is fixed); later reviews of the stream skip the listing of every open pull request.
    if (pr.action === 'created') await forge.closeSuperseded(stream, branch);
    // Subscribers hear of the pull request now (the run may wait days for its merge): once per pull request.
    if (pr.url && pr.number !== undefined)
      await this.producer.enqueue(
        'webhook.pr-opened',
        {
          v: 1,
          runId: ctx.runId,
          url: pr.url.slice(0, 2000),
          number: pr.number,
          patchRequest: request.id,
          at: Date.now(),
        },
        { jobId: `pr-opened.${createHash('sha256').update(pr.url).digest('hex').slice(0, 32)}` },
      );
    const merge = await forge.mergeWhenGreen({
      branch,
      severity,
      gatesPassed: true,
      ...(head ? { headSha: head } : {}),
    });
    const artifacts: WrittenArtifacts<'review'> = { 'review.provider': pr.provider, 'review.merge': merge.status };
    if (pr.number !== undefined) artifacts['pr.number'] = String(pr.number);
    if (pr.url) artifacts['pr.url'] = pr.url.slice(0, 2000);
    if (merge.status === 'merged' || merge.status === 'already-merged') return { artifacts };
    const where = pr.number !== undefined ? `pull request #${pr.number}` : `branch ${branch}`;
    return {
      artifacts,
      await: { reason: `${where} waits for a merge (${merge.status}${merge.detail ? `: ${merge.detail}` : ''})` },
    };
  }
}
