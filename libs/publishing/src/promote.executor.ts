import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { RunIdSchema, type TagMove } from '@patch-factory/contracts';
import { CatalogAccess } from '@patch-factory/patching';
import { stageArtifact, type StageContext, type StageExecutor, type StageResult } from '@patch-factory/pipeline';
import { ReleaseRepository } from '@patch-factory/store';
import { copyImage } from './copy-image';
import { unlessNotFound } from './existing-manifest';
import { fixedVulnerabilities } from './fixed-vulnerabilities';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';
import { registrySettings, registryWriter } from './registry-settings';
import { releaseTargetOf } from './run-definition';

/**
 * `promote` (after the pull request merged, or in branch mode once the gates passed): copies the
 * staging image — the same digest, never rebuilt — with its signatures, attestations and bundles
 * into the release repository (the definition's `image`), points each of the definition's `tags`
 * at it, records every tag's previous and new digest, and appends one image event
 * (`image.published` when no tag existed, else `image.updated`) with the vulnerabilities fixed.
 * Run twice, it moves nothing the second time and appends no second event.
 */
@Injectable()
export class PromoteExecutor implements StageExecutor {
  constructor(
    private readonly access: CatalogAccess,
    private readonly releases: ReleaseRepository,
    @Inject(CONFIG) private readonly config: Env,
  ) {}

  async execute(ctx: StageContext): Promise<StageResult> {
    const runId = RunIdSchema.parse(ctx.runId);
    const run = await ctx.loadRun();
    const staging = stageArtifact(run, 'publish', 'publish.repository');
    const digest = stageArtifact(run, 'publish', 'publish.digest');
    if (!staging || !digest) throw publishingTerminal(PublishingErrorCode.inputMissing, `the promote stage of run ${runId} needs the staging image its publish stage pushed (publish.repository, publish.digest)`);
    // After a merge the default branch holds the definition as patched; a run that did not patch reads it there too.
    const target = await releaseTargetOf(this.access, ctx.definition);
    if (target.tags.length === 0) throw publishingTerminal(PublishingErrorCode.tagsInvalid, `${ctx.definition} lists no tags: nothing to promote ${digest} to`);
    const settings = registrySettings(this.config, 'promote');
    const client = registryWriter(settings);
    const copied = await copyImage(client, staging, target.image, digest, ctx.signal);
    const top = await client.getManifest(target.image, digest, ctx.signal);
    const moves: TagMove[] = [];
    const now = Date.now();
    for (const tag of target.tags) {
      // Where the tag points now; undefined when the tag (or the repository) does not exist.
      const previous = await unlessNotFound(client.resolveTag(target.image, tag, ctx.signal));
      if (previous === digest) continue;
      await client.putManifest(target.image, tag, top.bytes, top.mediaType, ctx.signal);
      await this.releases.recordTagMove(target.image, tag, { digest, runId, at: now, ...(previous ? { previous } : {}) });
      moves.push({ tag, digest, ...(previous ? { previous } : {}) });
    }
    const scanReport = stageArtifact(run, 'scan', 'scan.report');
    await this.releases.recordPublished(ctx.definition, { digest, runId, at: now, ...(scanReport ? { scanReport } : {}) });
    const repository = `${settings.host}/${target.image}`;
    let event = 'none (every tag already pointed at this digest)';
    if (moves.length > 0) {
      const type = moves.every((m) => m.previous === undefined) ? 'image.published' : 'image.updated';
      const cvesFixed = scanReport ? await fixedVulnerabilities(scanReport) : [];
      await this.releases.appendEvent({ id: `${runId}:promote`, type, repository, digest, tags: moves, cvesFixed, runId, definition: ctx.definition, at: now });
      event = `${type} (${cvesFixed.length} vulnerabilit${cvesFixed.length === 1 ? 'y' : 'ies'} fixed)`;
    }
    ctx.logger.info({ repository, digest, moved: moves.length, tags: target.tags.length }, 'image promoted');
    return {
      artifacts: {
        'promote.repository': repository,
        'promote.digest': digest,
        'promote.tags': target.tags.map((t) => {
          const m = moves.find((x) => x.tag === t);
          return m ? `${t}: ${m.previous ?? 'new'} -> ${digest}` : `${t}: unchanged`;
        }).join('; '),
        'promote.copied': `${copied.manifests} manifest(s), ${copied.blobs} blob(s), ${copied.evidenceTags.length} signature/attestation tag(s), ${copied.referrers} referrer(s)`,
        'promote.event': event,
      },
    };
  }
}
