import { Injectable } from '@nestjs/common';
import { stageArtifact } from '@patch-factory/pipeline';
import { renderPullRequestBody, type EnsuredChangeRequest } from '@patch-factory/forge';
import { PatchRequestRepository, RunRepository, type StoredPatchRequest } from '@patch-factory/store';
import { CatalogAccess } from '@patch-factory/catalog-access';
import { imageStreamOfRequest } from './patch.executor';

const MAX_REASON_CHARS = 600;

/**
 * Writes a PatchRequest's pull request: its title, and a body that names the change and the
 * results of every run of the request so far — a failed run with the code and reason of its
 * failure (a gate that failed, a build that broke), so that reviewers see why without logs.
 */
@Injectable()
export class ReviewReporter {
  constructor(
    private readonly requests: PatchRequestRepository,
    private readonly runs: RunRepository,
    private readonly access: CatalogAccess,
  ) {}

  /** Opens or updates the request's pull request for `branch` into `base`. */
  async ensurePullRequest(
    request: StoredPatchRequest,
    runId: string,
    branch: string,
    base: string,
  ): Promise<EnsuredChangeRequest> {
    const severity = request.severity ?? this.access.severity;
    const stream = imageStreamOfRequest(request);
    const body = renderPullRequestBody(
      // The body names what changed; the files' text is on the branch already.
      {
        runId,
        stream,
        updates: request.files.map((f) => ({ ref: request.ref, file: f.file, vars: f.changes })),
        files: request.files.map((f) => ({ path: f.file, content: '' })),
      },
      severity,
      [
        ...(request.advisory ? [`Fixes advisory ${request.advisory}.`] : []),
        'Pipeline runs of this change:',
        ...(await this.runResults(request.id)),
      ],
    );
    const title = `${stream.image}: update ${request.ref} to ${request.version} in ${stream.os}/${stream.stream}`;
    return this.access
      .forge()
      .ensurePullRequest({ branch, base, title, body, labels: [], imageStream: stream, severity });
  }

  /**
   * A run that failed before review: its pull request (opened now if the run was the first of
   * its request) shows the failure. Nothing is merged. Returns what was done, for the job log.
   */
  async reportFailure(runId: string): Promise<string> {
    const run = await this.runs.get(runId);
    if (!run || run.state !== 'failed') return `run ${runId} has not failed: nothing to report`;
    const requestId = run.trigger.kind === 'manual' ? undefined : run.trigger.ref;
    const request = requestId ? await this.requests.get(requestId) : undefined;
    const branch = stageArtifact(run, 'patch', 'patch.branch');
    const base = stageArtifact(run, 'patch', 'patch.base');
    if (!request || !branch || !base)
      return `run ${runId} has no pull request to report on (no PatchRequest or patch branch)`;
    const pr = await this.ensurePullRequest(request, runId, branch, base);
    return `pull request ${pr.number !== undefined ? `#${pr.number}` : `of ${branch}`} ${pr.action}: run ${runId} failed at ${run.error?.stage ?? 'a stage'}`;
  }

  /** One line per run of the PatchRequest: its definition, each stage's status, and why it failed. */
  private async runResults(requestId: string): Promise<string[]> {
    const lines: string[] = [];
    for (const [file, runId] of Object.entries(await this.requests.runs(requestId)).sort()) {
      const run = await this.runs.get(runId);
      const stages = run ? run.stages.map((s) => `${s.stage} ${s.status}`).join(', ') : 'not started';
      lines.push(`- ${file} (${runId}): ${stages}`);
      if (run?.state === 'failed' && run.error)
        lines.push(
          `  - **failed at ${run.error.stage ?? 'a stage'}** (${run.error.code}): ${oneLine(run.error.message)}`,
        );
    }
    return lines;
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_REASON_CHARS ? `${flat.slice(0, MAX_REASON_CHARS)}…` : flat;
}
