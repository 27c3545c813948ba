import { Injectable } from '@nestjs/common';
import type { PipelineRun } from '@patch-factory/contracts';
import { renderPullRequestBody } from '@patch-factory/forge';
import type { StageContext, StageExecutor, StageResult } from '@patch-factory/pipeline';
import { PatchRequestRepository, PullRequestLinks, RunRepository } from '@patch-factory/store';
import { CatalogAccess } from './catalog-access';
import { imageStreamOfRequest } from './patch.executor';
import { MANUAL_RUN, patchRequestOfRun } from './patch-request-of-run';

/**
 * `review`: opens or updates the stream's one pull request, with the results of every run
 * of the PatchRequest so far (stages that come to exist later add their lines), links this
 * run to the branch, and merges when the severity policy and the checks allow. Otherwise
 * the run waits at review until the merge webhook resumes it.
 */
@Injectable()
export class ReviewExecutor implements StageExecutor {
  constructor(
    private readonly requests: PatchRequestRepository,
    private readonly runs: RunRepository,
    private readonly links: PullRequestLinks,
    private readonly access: CatalogAccess,
  ) {}

  async execute(ctx: StageContext): Promise<StageResult> {
    const found = await patchRequestOfRun(ctx, this.requests);
    if (!found) return { artifacts: { ...MANUAL_RUN } };
    const { request } = found;
    const run = await ctx.loadRun();
    const branch = stageArtifact(run, 'patch', 'patch.branch');
    const head = stageArtifact(run, 'patch', 'patch.head');
    const base = stageArtifact(run, 'patch', 'patch.base');
    if (!branch || !base) return { artifacts: { 'review.outcome': 'nothing to review: the default branch already has the change' } };
    const forge = this.access.forge();
    const severity = request.severity ?? this.access.severity;
    const stream = imageStreamOfRequest(request);
    const results = await this.runResults(request.id);
    const body = renderPullRequestBody(
      // The body names what changed; the files' text is on the branch already.
      { runId: ctx.runId, stream, updates: request.files.map((f) => ({ ref: request.ref, file: f.file, vars: f.changes })), files: request.files.map((f) => ({ path: f.file, content: '' })) },
      severity,
      [...(request.advisory ? [`Fixes advisory ${request.advisory}.`] : []), 'Pipeline runs of this change:', ...results],
    );
    const title = `${stream.image}: update ${request.ref} to ${request.version} in ${stream.os}/${stream.stream}`;
    await this.links.link(branch, ctx.runId);
    const pr = await forge.ensurePullRequest({ branch, base, title, body, labels: [], imageStream: stream, severity });
    await forge.closeSuperseded(stream, branch);
    const merge = await forge.mergeWhenGreen({ branch, severity, gatesPassed: true, ...(head ? { headSha: head } : {}) });
    const artifacts: Record<string, string> = { 'review.provider': pr.provider, 'review.merge': merge.status };
    if (pr.number !== undefined) artifacts['pr.number'] = String(pr.number);
    if (pr.url) artifacts['pr.url'] = pr.url.slice(0, 2000);
    if (merge.status === 'merged' || merge.status === 'already-merged') return { artifacts };
    const where = pr.number !== undefined ? `pull request #${pr.number}` : `branch ${branch}`;
    return { artifacts, await: { reason: `${where} waits for a merge (${merge.status}${merge.detail ? `: ${merge.detail}` : ''})` } };
  }

  /** One line per run of the PatchRequest: its definition and each stage's status. */
  private async runResults(requestId: string): Promise<string[]> {
    const lines: string[] = [];
    for (const [file, runId] of Object.entries(await this.requests.runs(requestId)).sort()) {
      const run = await this.runs.get(runId);
      const stages = run ? run.stages.map((s) => `${s.stage} ${s.status}`).join(', ') : 'not started';
      lines.push(`- ${file} (${runId}): ${stages}`);
    }
    return lines;
  }
}

function stageArtifact(run: PipelineRun | undefined, stage: string, key: string): string | undefined {
  return run?.stages.find((s) => s.stage === stage)?.artifacts[key];
}
