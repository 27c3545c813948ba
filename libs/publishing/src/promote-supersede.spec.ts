// Two runs of one definition on one pull request, on real parts: the real plan, patch and review
// stages on a real git catalog with GitHub's API double, the real promote stage on Debian's
// docker-registry and real Redis. Build, test, scan and sign are test stages (the image is a tiny
// one pushed to staging per run): what is under test is which image the merge promotes.
import type { PipelineRun } from '@patch-factory/contracts';
import { RegistryClient, unlessNotFound } from '@patch-factory/oci';
import { PATCHING_JOBS, PatchExecutor, PatchingModule, PlanExecutor, ReviewExecutor } from '@patch-factory/patching';
import {
  RUN_STAGES,
  STAGE_JOB,
  StageRunner,
  newRunId,
  stageArtifact,
  stageJobId,
  type StageContext,
  type StageExecutor,
  type StageResult,
} from '@patch-factory/pipeline';
import { JobProducer } from '@patch-factory/queue';
import { PatchRequestRepository, PullRequestLinks, ReleaseRepository, RunRepository } from '@patch-factory/store';
import {
  BackboneFixture,
  STATIC_DEFINITION as DEFINITION,
  createStaticCatalog,
  exampleText,
  passExecutor,
  pushImage,
  startGithubDouble,
  startRegistry,
  startStagePipeline,
  waitFor,
  type CatalogOrigin,
  type GithubDouble,
  type RegistryInstance,
  type StagePipeline,
} from '@patch-factory/testing';
import { PromoteExecutor } from './promote.executor';
import { PublishingErrorCode } from './publishing-errors';

const TOKEN = 'ghp_supersede_test_token_0123';
const OLD_TZDATA = '2020a-0+deb10u1';
const STAGING = 'staging/examples/static';
const RELEASE = 'examples/static';

describe('a newer run of a definition supersedes the older one waiting on the same pull request', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let registry: RegistryInstance;
  let origin: CatalogOrigin;
  let github: GithubDouble;
  let pipeline: StagePipeline;
  let runs: RunRepository;
  let releases: ReleaseRepository;
  let client: RegistryClient;

  /** `build`: records the commit the definition was read at (the patch branch's head), as the real build does. */
  const buildDouble: StageExecutor = {
    execute: async (ctx: StageContext): Promise<StageResult> => {
      const head = stageArtifact(await ctx.loadRun(), 'patch', 'patch.head');
      return { artifacts: head ? { 'build.commit': head } : {} };
    },
  };
  /** `publish`: a tiny image of its own per run in the staging repository. */
  const publishDouble: StageExecutor = {
    execute: async (ctx: StageContext): Promise<StageResult> => {
      const digest = await pushImage(registry.url, STAGING, ctx.runId.toLowerCase(), `the image of run ${ctx.runId}`);
      return { artifacts: { 'publish.repository': STAGING, 'publish.digest': digest } };
    },
  };

  beforeAll(async () => {
    registry = await startRegistry();
    const text = exampleText(DEFINITION)
      .replace(/\n(\s+)- tzdata\n/, `\n$1- tzdata=${OLD_TZDATA}\n`)
      .replace('variant: runtime\n', `variant: runtime\nvars:\n  TZDATA_VERSION: ${OLD_TZDATA}\n`);
    origin = createStaticCatalog(text);
    github = await startGithubDouble({
      owner: 'octo',
      repo: 'catalog',
      token: TOKEN,
      resolveBranch: (b) => origin.head(b),
    });
    pipeline = await startStagePipeline(fx, {
      service: 'test-supersede',
      origin,
      env: {
        PF_FORGE: 'github',
        PF_GITHUB_OWNER: 'octo',
        PF_GITHUB_REPO: 'catalog',
        PF_GITHUB_TOKEN: TOKEN,
        PF_GITHUB_API_URL: github.url,
        PF_REGISTRY_URL: registry.url,
      },
      stages: RUN_STAGES,
      jobs: [...PATCHING_JOBS],
      executors: {
        plan: PlanExecutor,
        patch: PatchExecutor,
        review: ReviewExecutor,
        build: buildDouble,
        test: passExecutor,
        scan: passExecutor,
        sign: passExecutor,
        publish: publishDouble,
        promote: PromoteExecutor,
        notify: passExecutor,
      },
      imports: [PatchingModule],
    });
    runs = pipeline.app.get(RunRepository);
    releases = pipeline.app.get(ReleaseRepository);
    client = new RegistryClient({ registry: registry.url });
  }, 120_000);

  afterAll(async () => {
    await pipeline?.close();
    await fx.close();
    await github?.close();
    await registry?.stop();
    origin?.cleanup();
  }, 60_000);

  const upstream = async (version: string): Promise<PipelineRun> => {
    const event = {
      id: `deb-tzdata-${version.replace(/[^A-Za-z0-9._:-]/g, '_')}`,
      source: 'debian',
      ref: 'pkg:deb/debian/tzdata',
      version,
      firstSeenAt: Date.now(),
    };
    expect(await pipeline.app.get(PatchRequestRepository).saveEvent(event)).toBe(true);
    await pipeline.app
      .get(JobProducer)
      .enqueue('event.upstream', { v: 1, eventId: event.id }, { jobId: `event.${event.id}` });
    return waitFor(
      `the run of ${version} to wait at review`,
      async () => {
        const run = (await runs.list({ definition: DEFINITION })).find(
          (r) => r.trigger.kind === 'upstream' && stageArtifact(r, 'plan', 'patch.changes')?.includes(version),
        );
        if (run?.state === 'failed') throw new Error(`run ${run.id} failed: ${JSON.stringify(run.error)}`);
        return run?.state === 'awaiting' || run?.state === 'superseded' ? run : undefined;
      },
      90_000,
      100,
    );
  };

  let older: PipelineRun;
  let newer: PipelineRun;

  it('the merge promotes the newer digest only; the older run ends superseded, naming the newer', async () => {
    older = await upstream('2024a-0+deb12u1');
    expect(older.stages.find((s) => s.stage === 'review')?.status).toBe('awaiting');
    newer = await upstream('2024b-0+deb12u1');
    const branch = stageArtifact(newer, 'patch', 'patch.branch') as string;
    expect(stageArtifact(older, 'patch', 'patch.branch')).toBe(branch);
    expect(newer.state).toBe('awaiting');
    const oldDigest = stageArtifact(older, 'publish', 'publish.digest') as string;
    const newDigest = stageArtifact(newer, 'publish', 'publish.digest') as string;
    expect(oldDigest).not.toBe(newDigest);

    // Superseded as soon as the newer run reached review: visible on the run and its stage.
    const superseded = (await runs.get(older.id)) as PipelineRun;
    expect(superseded).toMatchObject({ state: 'superseded', supersededBy: newer.id });
    expect(superseded.stages.find((s) => s.stage === 'review')).toMatchObject({
      status: 'superseded',
      supersededBy: newer.id,
    });
    expect(superseded.stages.find((s) => s.stage === 'promote')?.status).toBe('pending');
    expect((await runs.list({ state: 'superseded' })).map((r) => r.id)).toEqual([older.id]);
    // Both runs are still linked to the pull request's branch: it is the supersede that keeps the older one out.
    expect(await pipeline.app.get(PullRequestLinks).runsOf(branch)).toEqual([older.id, newer.id].sort());

    // GitHub merges the pull request; the webhook resumes every run linked to its branch (as GithubWebhookController does).
    origin.git(['update-ref', 'refs/heads/main', origin.head(branch) as string]);
    const runner = pipeline.app.get(StageRunner);
    const resumed: Record<string, string> = {};
    for (const runId of await pipeline.app.get(PullRequestLinks).runsOf(branch))
      resumed[runId] = await runner.resume(runId, 'review', { 'pr.number': '1' });
    expect(resumed).toEqual({ [older.id]: 'not-waiting', [newer.id]: 'resumed' });
    const [done] = await fx.waitForRuns([newer.id], 60_000);
    expect({ state: done?.state, error: done?.error }).toEqual({ state: 'succeeded', error: undefined });

    for (const tag of ['12', 'debian12']) expect(await client.resolveTag(RELEASE, tag)).toBe(newDigest);
    const events = (await releases.events()).map((e) => e.event);
    expect(events.map((e) => [e.type, e.runId, e.digest])).toEqual([['image.published', newer.id, newDigest]]);
    expect((await releases.history(RELEASE)).every((h) => h.runId === newer.id && h.digest === newDigest)).toBe(true);
    // The older image never reached the release repository.
    expect(await unlessNotFound(client.getManifest(RELEASE, oldDigest))).toBeUndefined();
    expect((await runs.get(older.id))?.state).toBe('superseded');
    expect(await releases.promotion(older.id)).toEqual({ recorded: [], done: false });
  }, 240_000);

  it('a run that reaches review after a newer run of its definition is superseded there at once', async () => {
    // Created between the two runs above (a slow build), it reaches review last.
    const at = older.createdAt + 1;
    expect(at).toBeLessThan(newer.createdAt);
    const late = newRunId(at);
    await runs.create({
      id: late,
      definition: DEFINITION,
      trigger: older.trigger,
      stages: ['patch', 'review', 'promote'],
      now: at,
    });
    const patch = older.stages.find((s) => s.stage === 'patch')?.artifacts ?? {};
    await runs.startStage(late, 'patch', at);
    await runs.completeStage(late, 'patch', { durationMs: 1, artifacts: patch }, at);
    await pipeline.app
      .get(JobProducer)
      .enqueue(STAGE_JOB.review, { v: 1, runId: late, definition: DEFINITION }, { jobId: stageJobId(late, 'review') });
    const [ended] = await fx.waitForRuns([late], 60_000, ['superseded', 'failed', 'succeeded', 'awaiting']);
    expect(ended).toMatchObject({ state: 'superseded', supersededBy: newer.id });
    expect(ended?.stages.find((s) => s.stage === 'review')).toMatchObject({
      status: 'superseded',
      supersededBy: newer.id,
    });
    expect(await releases.promotion(late)).toEqual({ recorded: [], done: false });
  }, 120_000);

  /** A run of DEFINITION created `at`, finished up to its promote stage (queued) with these artifacts. */
  const preparedRun = async (
    at: number,
    artifacts: { branch?: string; commit?: string; digest: string },
  ): Promise<string> => {
    const id = newRunId(at);
    await runs.create({
      id,
      definition: DEFINITION,
      trigger: { kind: 'manual' },
      stages: ['patch', 'build', 'publish', 'review', 'promote'],
      now: at,
    });
    const stageArtifacts: Record<string, Record<string, string>> = {
      patch: artifacts.branch ? { 'patch.branch': artifacts.branch } : {},
      build: artifacts.commit ? { 'build.commit': artifacts.commit } : {},
      publish: { 'publish.repository': STAGING, 'publish.digest': artifacts.digest },
      review: {},
    };
    for (const stage of ['patch', 'build', 'publish', 'review'] as const) {
      await runs.startStage(id, stage, at);
      await runs.completeStage(id, stage, { durationMs: 1, artifacts: stageArtifacts[stage] ?? {} }, at);
    }
    return id;
  };

  it('a run whose merge resumed it is superseded at promote when a newer run of the same pull request got past review too', async () => {
    const branch = 'pf/static/debian-12/static-promote-race';
    const links = pipeline.app.get(PullRequestLinks);
    const d1 = await pushImage(registry.url, STAGING, 'race-1', 'race image 1');
    const d2 = await pushImage(registry.url, STAGING, 'race-2', 'race image 2');
    const first = await preparedRun(Date.now() - 1_000, { branch, digest: d1 });
    const second = await preparedRun(Date.now(), { branch, digest: d2 });
    await links.link(branch, first);
    await links.link(branch, second);
    const before = await Promise.all(['12', 'debian12'].map((t) => client.resolveTag(RELEASE, t)));

    const producer = pipeline.app.get(JobProducer);
    await producer.enqueue(
      STAGE_JOB.promote,
      { v: 1, runId: first, definition: DEFINITION },
      { jobId: stageJobId(first, 'promote') },
    );
    const [ended] = await fx.waitForRuns([first], 60_000, ['superseded', 'failed', 'succeeded']);
    expect(ended).toMatchObject({ state: 'superseded', supersededBy: second });
    expect(ended?.stages.find((s) => s.stage === 'promote')).toMatchObject({
      status: 'superseded',
      supersededBy: second,
    });
    // Nothing moved, nothing recorded for it.
    expect(await Promise.all(['12', 'debian12'].map((t) => client.resolveTag(RELEASE, t)))).toEqual(before);
    expect((await releases.events()).some((e) => e.event.runId === first)).toBe(false);
  }, 120_000);

  it('refuses to move a tag back to an image built from an older definition commit, saying why, on the run', async () => {
    // Built from the catalog's first commit (an ancestor of the merged one the tags' image came from), though created last.
    const firstCommit = origin.git(['rev-list', '--max-parents=0', 'main']).trim();
    const stale = await pushImage(registry.url, STAGING, 'stale', 'an image of the first commit');
    const id = await preparedRun(Date.now(), { commit: firstCommit, digest: stale });
    const before = await Promise.all(['12', 'debian12'].map((t) => client.resolveTag(RELEASE, t)));
    await pipeline.app
      .get(JobProducer)
      .enqueue(STAGE_JOB.promote, { v: 1, runId: id, definition: DEFINITION }, { jobId: stageJobId(id, 'promote') });
    const [failed] = await fx.waitForRuns([id], 60_000);
    expect(failed?.state).toBe('failed');
    expect(failed?.error).toMatchObject({ stage: 'promote', code: PublishingErrorCode.olderImage });
    expect(failed?.error?.message).toContain(
      `tag 12 of ${RELEASE} points at ${before[0]}, promoted by run ${newer.id}`,
    );
    expect(failed?.error?.message).toContain(
      `is an ancestor of ${(stageArtifact(newer, 'build', 'build.commit') as string).slice(0, 12)}`,
    );
    expect(await Promise.all(['12', 'debian12'].map((t) => client.resolveTag(RELEASE, t)))).toEqual(before);
    expect(await releases.promotion(id)).toEqual({ recorded: [], done: false });
  }, 120_000);
});
