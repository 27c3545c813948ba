import { Inject, Injectable } from '@nestjs/common';
import { CatalogAccess, runOutRoot } from '@patch-factory/catalog-access';
import { CONFIG, type Env } from '@patch-factory/config';
import { RunIdSchema } from '@patch-factory/contracts';
import { pushLayout } from '@patch-factory/oci';
import {
  hidingRunPaths,
  runDirectory,
  stageArtifactFile,
  type StageContext,
  type StageExecutor,
  type StageResult,
} from '@patch-factory/pipeline';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';
import { pushSignedArtifacts } from './push-signed';
import { registrySettings, registryWriter, stagingRepository, stagingTag } from './registry-settings';
import { releaseTargetOf } from './run-definition';
import { runOutputs } from './run-outputs';
import { readSignedArtifacts } from './signed-artifacts';

/**
 * `publish`: pushes the run's image to its staging tag (`<PF_STAGING_PREFIX>/<image>:<run id>`)
 * with its signatures, attestations and bundles from the sign stage. Idempotent (blobs present
 * are skipped, manifests are content-addressed); registry failures are retried by the client and
 * then by the job. The digest pushed must be the digest built and signed.
 */
@Injectable()
export class PublishExecutor implements StageExecutor<'publish'> {
  constructor(
    private readonly access: CatalogAccess,
    @Inject(CONFIG) private readonly config: Env,
  ) {}

  /** The stage; its errors name the run's files relative to the run directory (issue 14: no server path in a run). */
  execute(ctx: StageContext<'publish'>): Promise<StageResult<'publish'>> {
    return hidingRunPaths(runOutRoot(this.config), ctx.runId, () => this.executeStage(ctx));
  }

  private async executeStage(ctx: StageContext<'publish'>): Promise<StageResult<'publish'>> {
    const runId = RunIdSchema.parse(ctx.runId);
    const run = await ctx.loadRun();
    const runDir = runDirectory(runOutRoot(this.config), runId);
    const outputs = runOutputs(run, runId, 'publish', runDir);
    const signedPath = stageArtifactFile(run, 'sign', 'sign.artifacts', runDir);
    if (!signedPath)
      throw publishingTerminal(
        PublishingErrorCode.inputMissing,
        `the publish stage of run ${runId} needs its signatures: the sign stage recorded no sign.artifacts (an unsigned image is never published)`,
      );
    const signed = await readSignedArtifacts(signedPath);
    if (signed.image.digest !== outputs.digest)
      throw publishingTerminal(
        PublishingErrorCode.inputInvalid,
        `the signatures of run ${runId} are for ${signed.image.digest}, not for the image built (${outputs.digest})`,
      );
    const target = await releaseTargetOf(this.access, ctx.definition, outputs.branch);
    const settings = registrySettings(this.config, 'publish');
    const client = registryWriter(settings);
    const repo = stagingRepository(settings, target.image);
    const tag = stagingTag(runId);
    // Progress per blob: a long push keeps the worker's liveness check informed.
    const pushed = await pushLayout(client, outputs.layout, repo, tag, {
      signal: ctx.signal,
      onBlob: (b) =>
        ctx.progress({ what: `pushing ${repo}:${tag}: blob ${b.digest} ${b.outcome}`, done: b.done, total: b.total }),
    });
    if (pushed.digest !== outputs.digest)
      throw publishingTerminal(
        PublishingErrorCode.inputInvalid,
        `the staging push of run ${runId} gave ${pushed.digest}, not the digest built and signed (${outputs.digest})`,
      );
    const evidence = await pushSignedArtifacts(client, repo, signed, ctx.signal);
    ctx.logger.info(
      {
        repository: repo,
        tag,
        digest: pushed.digest,
        pushed: pushed.blobs.pushed,
        skipped: pushed.blobs.skipped,
        bytes: pushed.bytesPushed,
      },
      'image published to staging',
    );
    return {
      artifacts: {
        'publish.repository': repo,
        'publish.reference': `${settings.host}/${repo}:${tag}`,
        'publish.digest': pushed.digest,
        'publish.blobs': `${pushed.blobs.pushed} pushed, ${pushed.blobs.skipped} present, ${pushed.blobs.mounted} mounted (${pushed.bytesPushed} bytes)`,
        'publish.evidence': `${evidence.tags.join(', ')}; ${evidence.referrers.length} referrer(s) via ${[...new Set(evidence.referrers.map((r) => r.via))].join('/') || 'none'}`,
      },
    };
  }
}
