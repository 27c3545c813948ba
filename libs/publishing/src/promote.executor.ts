import { Inject, Injectable, Optional } from '@nestjs/common';
import { CatalogAccess, runOutRoot } from '@patch-factory/catalog-access';
import { CONFIG, type Env } from '@patch-factory/config';
import { RunIdSchema, type PipelineRun, type StageArtifacts, type TagMove } from '@patch-factory/contracts';
import { unlessNotFound, type RegistryWriter } from '@patch-factory/oci';
import {
  hidingRunPaths,
  isPast,
  mayBePromoted,
  newestNewerRun,
  runDirectory,
  runsOfDefinitionOnBranch,
  stageArtifact,
  stageArtifactFile,
  supersededReason,
  type RunReadBy,
  type StageContext,
  type StageExecutor,
  type StageResult,
  type WrittenArtifacts,
} from '@patch-factory/pipeline';
import { PullRequestLinks, ReleaseRepository, RunRepository, type PromotionPlan } from '@patch-factory/store';
import type { CommitAncestry } from './promote-order';
import { copyImage } from './copy-image';
import { fixedVulnerabilities } from './fixed-vulnerabilities';
import { refuseOlderImage } from './promote-refusal';
import { PROMOTE_STEP_HOOK, type PromoteStep, type PromoteStepHook } from './promote-steps';
import { DEFAULT_PROMOTE_LOCK, PROMOTE_LOCK_OPTIONS, takePromoteTurn, type PromoteLockOptions } from './promote-turn';
import { PublishingErrorCode, publishingTerminal } from './publishing-errors';
import { registrySettings, registryWriter } from './registry-settings';
import { releaseTargetOf } from './run-definition';

/** What every promote result records: the release repository and the digest promoted. */
type PromotedTo = Pick<StageArtifacts['promote'], 'promote.repository' | 'promote.digest'>;

/**
 * `promote` (after the pull request merged, or in branch mode once the gates passed): copies the
 * staging image — the same digest, never rebuilt — with its signatures, attestations and bundles
 * into the release repository (the definition's `image`), points each of the definition's `tags`
 * at it, records every tag's previous and new digest, and appends one image event
 * (`image.published` when no tag existed, else `image.updated`) with the vulnerabilities fixed.
 *
 * - A run that a newer run of its definition on the same pull request will replace is not
 *   promoted: it ends `superseded`, naming that run.
 * - No tag is moved back: a tag that points at an image of a newer definition commit or a newer
 *   run fails the promotion with `promote-older-image`, saying which.
 * - Promotions into one repository take turns, across processes: a Redis lock with fencing
 *   (ReleaseRepository.lockPromotion), not BullMQ groups. The lock covers the copy into the
 *   release repository too (concurrent pushes of the same manifests and of the referrers' fallback
 *   index are what collide), the plan, the tag moves and the store writes. Taking it returns a
 *   fencing number from a per-repository counter; the plan and commit scripts refuse (atomically,
 *   in Lua) a number that is no longer the newest, so a promotion that stalled past the lock's
 *   time to live and was taken over writes nothing (`promote-lock-lost`, retried). The lock is
 *   renewed while the promotion runs and released only by its own lease; a renewal that finds it
 *   taken aborts the promotion's registry requests (the registry has no conditional write: a tag
 *   the stalled promotion moved before it noticed is where the next holder's plan reads it).
 *   A contender waits for
 *   it in the process (bounded, jittered polling, reporting progress, honouring cancellation) and
 *   only then throws `promote-busy`, so waiting spends no job attempt.
 *   Why not BullMQ groups: they are a BullMQ Pro feature this project does not have; they would
 *   serialise jobs of one queue only, not a promotion run from the CLI or a test; and they give
 *   no fencing, so a stalled job redelivered while its first delivery still runs could still
 *   write twice. The lock lives in the store next to the writes it guards.
 * - Crash-safe: the plan (where each tag pointed) is recorded before any tag moves, the tag moves
 *   are idempotent, and the store writes (tag pointers, history, event) are one atomic script
 *   keyed by run and tag. Stopped at any step and run again, it makes each effect once; run again
 *   after it finished, it moves nothing and appends nothing.
 */
@Injectable()
export class PromoteExecutor implements StageExecutor<'promote'> {
  private readonly ancestry: CommitAncestry;

  constructor(
    private readonly access: CatalogAccess,
    private readonly releases: ReleaseRepository,
    @Inject(CONFIG) private readonly config: Env,
    private readonly runs: RunRepository,
    private readonly links: PullRequestLinks,
    @Optional() @Inject(PROMOTE_STEP_HOOK) private readonly onStep?: PromoteStepHook,
    @Optional() @Inject(PROMOTE_LOCK_OPTIONS) lockOptions?: Partial<PromoteLockOptions>,
  ) {
    // Ancestry of definition commits, from this process's catalog clone (it holds every commit the stages read).
    this.ancestry = (ancestor, of) => access.workspace().commitAncestry(ancestor, of);
    this.lock = { ...DEFAULT_PROMOTE_LOCK, ...lockOptions };
  }

  private readonly lock: PromoteLockOptions;

  /** The stage; its errors name the run's files relative to the run directory (issue 14: no server path in a run). */
  execute(ctx: StageContext<'promote'>): Promise<StageResult<'promote'>> {
    return hidingRunPaths(runOutRoot(this.config), ctx.runId, () => this.executeStage(ctx));
  }

  private async executeStage(ctx: StageContext<'promote'>): Promise<StageResult<'promote'>> {
    const runId = RunIdSchema.parse(ctx.runId);
    const run = await ctx.loadRun();
    const staging = stageArtifact(run, 'publish', 'publish.repository');
    const digest = stageArtifact(run, 'publish', 'publish.digest');
    if (!run || !staging || !digest)
      throw publishingTerminal(
        PublishingErrorCode.inputMissing,
        `the promote stage of run ${runId} needs the staging image its publish stage pushed (publish.repository, publish.digest)`,
      );
    const record = await this.releases.promotion(runId);
    // A promotion under way (a plan recorded) is finished whatever happened since: its tags may have moved.
    if (!record.plan) {
      const superseded = await this.supersededBy(run);
      if (superseded) {
        await this.runs.supersede(runId, 'promote', superseded.id, supersededReason(run, superseded));
        ctx.logger.info(
          { supersededBy: superseded.id },
          'promotion skipped: a newer run of the definition is promoted instead',
        );
        return { artifacts: { 'promote.superseded-by': superseded.id } };
      }
    }
    const settings = registrySettings(this.config, 'promote');
    const client = registryWriter(settings);
    // After a merge the default branch holds the definition as patched; a run that did not patch reads it there too.
    const target = record.plan ? undefined : await this.releaseTarget(ctx.definition, digest);
    const image = record.plan?.repository ?? (target as { image: string }).image;
    const repository = `${settings.host}/${image}`;
    if (record.done && record.plan)
      return this.promotedAlready(ctx, image, record.plan, {
        'promote.repository': repository,
        'promote.digest': digest,
      });
    // One promotion at a time copies into the repository and moves its tags: copies and plans never race each other.
    const turn = await takePromoteTurn(this.releases, image, ctx, this.lock);
    try {
      const now = await this.releases.promotion(runId);
      if (now.done && now.plan)
        return this.promotedAlready(ctx, image, now.plan, {
          'promote.repository': repository,
          'promote.digest': digest,
        });
      const copied = await copyImage(client, staging, image, digest, turn.signal);
      await this.step('copied');
      const artifacts = {
        'promote.repository': repository,
        'promote.digest': digest,
        'promote.copied': `${copied.manifests} manifest(s), ${copied.blobs} blob(s), ${copied.evidenceTags.length} signature/attestation tag(s), ${copied.referrers} referrer(s) copied; ${copied.referrersPresent} referrer(s) there already`,
        'promote.copied-blobs': String(copied.blobs),
        'promote.copied-referrers': String(copied.referrers),
      };
      // The rest of the promotion stops when the job is cancelled or the lock is lost.
      const locked: StageContext<'promote'> = Object.assign(Object.create(ctx) as StageContext<'promote'>, {
        signal: turn.signal,
      });
      return await this.promoteLocked(locked, {
        run,
        digest,
        image,
        client,
        target,
        plan: now.plan ?? record.plan,
        fence: turn.lease.fence,
        artifacts,
      });
    } finally {
      await turn.end();
    }
  }

  /** Promoted by an earlier delivery of this job: nothing is copied, moved or written again. The lock is let go in case that delivery was killed holding it. */
  private async promotedAlready(
    ctx: StageContext<'promote'>,
    image: string,
    plan: PromotionPlan,
    artifacts: PromotedTo,
  ): Promise<StageResult<'promote'>> {
    await this.releases.unlockPromotion(image, ctx.runId);
    ctx.logger.info(
      { repository: artifacts['promote.repository'], digest: artifacts['promote.digest'] },
      'image promoted already by this run',
    );
    return {
      artifacts: {
        ...artifacts,
        'promote.copied': 'nothing (this run promoted the image already)',
        'promote.tags': plan.tags.map((t) => `${t.tag}: unchanged`).join('; '),
        'promote.event': 'none (this run promoted the image already)',
      },
    };
  }

  /** Plans (unless a plan is recorded), moves the tags and writes the store, holding the repository's promotion lock. */
  private async promoteLocked(
    ctx: StageContext<'promote'>,
    input: {
      run: RunReadBy<'promote'>;
      digest: string;
      image: string;
      client: RegistryWriter;
      target: { tags: string[] } | undefined;
      plan: PromotionPlan | undefined;
      fence: number;
      artifacts: PromotedTo & WrittenArtifacts<'promote'>;
    },
  ): Promise<StageResult<'promote'>> {
    const { run, digest, image, client, target, fence, artifacts } = input;
    const runId = run.id;
    const repository = artifacts['promote.repository'];
    let plan = input.plan;
    if (!plan) {
      const tags: PromotionPlan['tags'] = [];
      // Where each tag points now; undefined when the tag (or the repository) does not exist.
      for (const tag of target?.tags ?? [])
        tags.push({ tag, ...optional('previous', await unlessNotFound(client.resolveTag(image, tag, ctx.signal))) });
      await refuseOlderImage({
        run,
        digest,
        image,
        tags,
        releases: this.releases,
        runs: this.runs,
        ancestry: this.ancestry,
      });
      plan = await this.releases.planPromotion(runId, { repository: image, digest, tags, at: Date.now() }, fence);
      await this.step('planned');
    }
    const moved = await this.moveTags(ctx, client, plan);
    // Relative to the run directory in the run; the store keeps where it is (the next scan's baseline).
    const scanReport = stageArtifactFile(run, 'scan', 'scan.report', runDirectory(runOutRoot(this.config), runId));
    const type = moved.every((m) => m.previous === undefined) ? 'image.published' : 'image.updated';
    const cvesFixed = moved.length > 0 && scanReport ? await fixedVulnerabilities(scanReport) : [];
    const commit = stageArtifact(run, 'build', 'build.commit');
    const at = plan.at;
    const promoted = plan;
    ctx.signal.throwIfAborted();
    await this.releases.commitPromotion({
      runId,
      repository: image,
      fence,
      moves: moved.map((m) => ({
        tag: m.tag,
        current: { digest, runId, at, runCreatedAt: run.createdAt, ...optional('commit', commit) },
        ...optional('previous', m.previous),
      })),
      ...(moved.length > 0
        ? {
            event: {
              id: `${runId}:promote`,
              type,
              repository,
              digest,
              tags: moved,
              cvesFixed,
              runId,
              definition: ctx.definition,
              at,
            },
          }
        : {}),
      published: { definition: ctx.definition, image: { digest, runId, at, ...optional('scanReport', scanReport) } },
    });
    await this.step('recorded');
    ctx.logger.info({ repository, digest, moved: moved.length, tags: promoted.tags.length }, 'image promoted');
    return {
      artifacts: {
        ...artifacts,
        'promote.tags': promoted.tags
          .map((t) => {
            const m = moved.find((x) => x.tag === t.tag);
            return m ? `${t.tag}: ${m.previous ?? 'new'} -> ${digest}` : `${t.tag}: unchanged`;
          })
          .join('; '),
        'promote.event':
          moved.length === 0
            ? 'none (every tag already pointed at this digest)'
            : `${type} (${cvesFixed.length} vulnerabilit${cvesFixed.length === 1 ? 'y' : 'ies'} fixed)`,
      },
    };
  }

  /**
   * Points the plan's tags at its digest (those that pointed elsewhere). A tag found at the digest
   * already (moved before a crash) counts as moved; one moved by something else since the plan
   * (by hand: promotions of a repository take turns) is left as it is. Returns the tags this promotion moved, with where they pointed before.
   */
  private async moveTags(
    ctx: StageContext<'promote'>,
    client: RegistryWriter,
    plan: PromotionPlan,
  ): Promise<TagMove[]> {
    const moved: TagMove[] = [];
    let top: { bytes: Buffer; mediaType: string } | undefined;
    for (const t of plan.tags) {
      if (t.previous === plan.digest) continue;
      const current = await unlessNotFound(client.resolveTag(plan.repository, t.tag, ctx.signal));
      if (current !== plan.digest) {
        if (current !== t.previous) {
          ctx.logger.warn(
            { tag: t.tag, planned: t.previous ?? 'none', now: current ?? 'none' },
            'release tag moved outside this promotion since it planned; left as it is',
          );
          continue;
        }
        top ??= await client.getManifest(plan.repository, plan.digest, ctx.signal);
        await client.putManifest(plan.repository, t.tag, top.bytes, top.mediaType, ctx.signal);
        await this.step(`tag-moved:${t.tag}`);
      }
      moved.push({ tag: t.tag, digest: plan.digest, ...optional('previous', t.previous) });
    }
    return moved;
  }

  /** The definition's release repository and tags (a definition with no tags has nothing to promote). */
  private async releaseTarget(definition: string, digest: string): Promise<{ image: string; tags: string[] }> {
    const target = await releaseTargetOf(this.access, definition);
    if (target.tags.length === 0)
      throw publishingTerminal(
        PublishingErrorCode.tagsInvalid,
        `${definition} lists no tags: nothing to promote ${digest} to`,
      );
    return target;
  }

  /**
   * The newest run of the same definition on the same pull request that got past its review
   * (its merge resumed it too) and may still be promoted: it is promoted instead of this one.
   */
  private async supersededBy(run: RunReadBy<'promote'>): Promise<PipelineRun | undefined> {
    const branch = stageArtifact(run, 'patch', 'patch.branch');
    if (!branch) return undefined;
    const others = await runsOfDefinitionOnBranch(this.runs, this.links, run, branch);
    return newestNewerRun(run, others, (r) => mayBePromoted(r) && isPast(r, 'review'));
  }

  private async step(step: PromoteStep): Promise<void> {
    if (this.onStep) await this.onStep(step);
  }
}

/** `{ [key]: value }`, or nothing when value is undefined (for optional fields). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
