import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { QueueName, upstreamEventId, type PipelineRun } from '@patch-factory/contracts';
import {
  BackboneFixture,
  createCatalogOrigin,
  repoRoot,
  startGithubDouble,
  waitFor,
  type ApiClient,
  type CatalogOrigin,
  type GithubDouble,
} from '../src';

const SECRET = 'webhook-secret-of-the-e2e-test';
const TOKEN = 'ghp_e2e_token_0123456789';
const CORPUS = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog');
const STREAM_FILES = [
  'image/php/alpine-3.23/8.3.yaml',
  'image/php/alpine-3.23/8.3-dev.yaml',
  'image/php/alpine-3.23/8.3-fpm.yaml',
];
const OTHER = 'image/php/alpine-3.23/8.2.yaml';
const BRANCH = 'pf/php/alpine-3.23/8.3';
// No id: the factory derives it from the event (issue 14).
const EVENT = { source: 'alpine', ref: 'pkg:apk/alpine/php-8.3', version: '8.3.34-r0' };

/** The patching worker process (real plan, patch and review) on the catalog `origin`, with GitHub at the double. */
async function startGithubWorker(
  fx: BackboneFixture,
  origin: CatalogOrigin,
  github: GithubDouble,
  env: Record<string, string>,
): Promise<void> {
  await fx.startService('dist/libs/testing/src/patching-worker-main.js', {
    PF_CATALOG_REMOTE: origin.dir,
    PF_CATALOG_WORKDIR: join(mkdtempSync(join(tmpdir(), 'pf-e2e-ws-')), 'catalog.git'),
    PF_FORGE: 'github',
    PF_GITHUB_OWNER: 'octo',
    PF_GITHUB_REPO: 'catalog',
    PF_GITHUB_TOKEN: TOKEN,
    PF_GITHUB_API_URL: github.url,
    ...env,
  });
}

/**
 * The orchestrator's patching end to end, on real processes, a real git origin and the
 * GitHub API double: an upstream event → the affected definitions of one image stream →
 * one PatchRequest → one branch with one commit → one pull request listing the runs → the
 * runs wait at review → GitHub's signed merge webhook → promote → the runs succeed.
 */
describe('an upstream event becomes one pull request per image stream, and its merge promotes the runs', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let origin: CatalogOrigin;
  let github: GithubDouble;
  let api: ApiClient;

  beforeAll(async () => {
    const files = Object.fromEntries([...STREAM_FILES, OTHER].map((f) => [f, readFileSync(join(CORPUS, f), 'utf8')]));
    origin = createCatalogOrigin(files);
    github = await startGithubDouble({
      owner: 'octo',
      repo: 'catalog',
      token: TOKEN,
      resolveBranch: (b) => origin.head(b),
    });
    // The API knows the catalog repository: only its merges promote (issue 14).
    api = await fx.startApi({ PF_GITHUB_WEBHOOK_SECRET: SECRET, PF_GITHUB_OWNER: 'octo', PF_GITHUB_REPO: 'catalog' });
    await startGithubWorker(fx, origin, github, { PF_WORKER_CONCURRENCY: '2' });
  }, 120_000);
  afterAll(async () => {
    await fx.close();
    await github?.close();
    origin?.cleanup();
  }, 60_000);

  const runsOfEvent = async (): Promise<PipelineRun[]> =>
    (await api.request<{ runs: PipelineRun[] }>('GET', '/runs?limit=100')).body.runs.filter(
      (r) => r.trigger.kind === 'upstream',
    );

  it('plans, patches, opens one pull request and waits; a merge promotes every run once', async () => {
    const posted = await api.request<{ eventId: string; duplicate: boolean }>('POST', '/events/upstream', EVENT);
    expect(posted).toMatchObject({
      status: 202,
      body: { eventId: upstreamEventId({ kind: 'api' }, EVENT), duplicate: false },
    });

    const waiting = await waitFor(
      'three runs waiting at review',
      async () => {
        const runs = await runsOfEvent();
        return runs.length === 3 && runs.every((r) => r.state === 'awaiting') ? runs : undefined;
      },
      90_000,
      200,
    );
    expect(waiting.map((r) => r.definition).sort()).toEqual([...STREAM_FILES].sort());
    for (const run of waiting) {
      expect(run.stages.find((s) => s.stage === 'plan')?.artifacts['patch.changes']).toBe(
        'VERSION: 8.3.33-r0 -> 8.3.34-r0',
      );
      expect(run.stages.find((s) => s.stage === 'review')?.status).toBe('awaiting');
    }

    // One branch, one commit by the factory with its trailer, every variant patched, nothing else touched.
    const commits = origin.log(`main..${BRANCH}`);
    expect(commits).toHaveLength(1);
    expect(commits[0]?.message).toMatch(/Patch-Factory-Run: run_[0-9A-Z]{26}/);
    for (const f of STREAM_FILES) {
      const before = origin.show('main', f) as string;
      const after = origin.show(BRANCH, f) as string;
      expect(after).toContain('VERSION: 8.3.34-r0');
      expect(after).toContain('php-8.3=8.3.34-r0');
      expect(after).not.toContain('8.3.33');
      expect(after.split('\n').length).toBe(before.split('\n').length);
      const changed = before.split('\n').filter((line, i) => line !== after.split('\n')[i]);
      expect(changed.every((line) => line.includes('8.3.33'))).toBe(true);
    }
    expect(origin.show(BRANCH, OTHER)).toBe(origin.show('main', OTHER));

    // One pull request for the stream, listing the three runs; every request matched GitHub's description.
    const open = github.pulls.filter((p) => p.state === 'open');
    expect(open).toHaveLength(1);
    expect(open[0]?.head).toBe(BRANCH);
    for (const run of waiting) expect(open[0]?.body).toContain(run.id);
    github.assertNoViolations();
    // Subscribers hear of it now, while the runs wait: one `webhook.pr-opened` for the one pull request
    // (three runs reviewed it; no notifier runs here, so the job waits on its queue).
    const webhooks = new Queue(QueueName.webhooks, { connection: fx.redis, prefix: fx.prefix });
    const prOpened = (await webhooks.getJobs(['waiting', 'prioritized', 'delayed'])).filter(
      (j) => j.name === 'webhook.pr-opened',
    );
    await webhooks.close();
    expect(prOpened.map((j) => j.data as { url: string; number: number })).toEqual([
      expect.objectContaining({
        url: `https://github.example.invalid/octo/catalog/pull/${open[0]?.number}`,
        number: open[0]?.number,
      }),
    ]);

    // Posting the same event again plans nothing new.
    const again = await api.request<{ duplicate: boolean }>('POST', '/events/upstream', EVENT);
    expect(again.body.duplicate).toBe(true);

    // GitHub merges the pull request: the branch lands on main and the signed webhook arrives.
    origin.git(['update-ref', 'refs/heads/main', origin.head(BRANCH) as string]);
    const body = JSON.stringify({
      action: 'closed',
      pull_request: {
        number: open[0]?.number,
        merged: true,
        merge_commit_sha: origin.head('main'),
        head: { ref: BRANCH },
        base: { ref: 'main' },
      },
      // GitHub names the repository in every pull_request event: only the catalog's own merges promote (issue 14).
      repository: { full_name: 'octo/catalog', default_branch: 'main' },
    });
    const res = await fetch(`${api.base}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
      body,
    });
    expect(res.status).toBe(202);
    const done = await fx.waitForRuns(
      waiting.map((r) => r.id),
      60_000,
    );
    for (const run of done) {
      expect(run.state).toBe('succeeded');
      expect(await fx.runs.completions(run.id)).toBe(1);
    }
    expect(await runsOfEvent()).toHaveLength(3);
    expect(origin.log(`main..${BRANCH}`)).toHaveLength(0);
  }, 180_000);
});

describe('in branch mode (no forge) an upstream event is merged into the default branch once its gates pass', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let origin: CatalogOrigin;
  let api: ApiClient;

  beforeAll(async () => {
    origin = createCatalogOrigin(
      Object.fromEntries([...STREAM_FILES, OTHER].map((f) => [f, readFileSync(join(CORPUS, f), 'utf8')])),
    );
    api = await fx.startApi();
    await fx.startService('dist/libs/testing/src/patching-worker-main.js', {
      PF_CATALOG_REMOTE: origin.dir,
      PF_CATALOG_WORKDIR: join(mkdtempSync(join(tmpdir(), 'pf-e2e-ws-')), 'catalog.git'),
      PF_FORGE: 'branch',
    });
  }, 120_000);
  afterAll(async () => {
    await fx.close();
    origin?.cleanup();
  }, 60_000);

  it('patches, merges and promotes without a person; a second event for the same version changes nothing', async () => {
    const before = origin.head('main');
    await api.request('POST', '/events/upstream', EVENT);
    const runs = await waitFor(
      'three runs to finish',
      async () => {
        const all = (await api.request<{ runs: PipelineRun[] }>('GET', '/runs?limit=100')).body.runs;
        return all.length === 3 && all.every((r) => r.state === 'succeeded' || r.state === 'failed') ? all : undefined;
      },
      90_000,
      200,
    );
    expect(runs.map((r) => [r.definition, r.state]).sort()).toEqual(
      [...STREAM_FILES].sort().map((f) => [f, 'succeeded']),
    );
    expect(origin.head('main')).not.toBe(before);
    for (const f of STREAM_FILES) expect(origin.show('main', f)).toContain('VERSION: 8.3.34-r0');
    expect(origin.show('main', OTHER)).toContain('VERSION: 8.2.');
    const merged = origin.head('main');

    // The same version from another source: every definition is at it already, nothing is planned.
    await api.request('POST', '/events/upstream', { ...EVENT, source: 'mirror' });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api.request<{ runs: PipelineRun[] }>('GET', '/runs?limit=100')).body.runs).toHaveLength(3);
    expect(origin.head('main')).toBe(merged);

    // An advisory whose fix is a newer package: planned like an event, with its severity.
    const osv = {
      id: 'CVE-2026-4242',
      modified: '2026-11-20T00:00:00Z',
      database_specific: { severity: 'critical' },
      affected: [
        {
          package: { ecosystem: 'Alpine:v3.23', name: 'php-8.3' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '8.3.35-r0' }] }],
        },
      ],
    };
    const answer = await api.request<{ events: { eventId: string }[] }>('POST', '/events/advisory', osv);
    expect(answer.status).toBe(202);
    expect(answer.body.events).toHaveLength(1);
    await waitFor(
      'six runs, all finished',
      async () => {
        const all = (await api.request<{ runs: PipelineRun[] }>('GET', '/runs?limit=100')).body.runs;
        return all.length === 6 && all.every((r) => r.state === 'succeeded') ? all : undefined;
      },
      90_000,
      200,
    );
    for (const f of STREAM_FILES) expect(origin.show('main', f)).toContain('VERSION: 8.3.35-r0');
  }, 180_000);
});

describe('a minimum release age holds a plain update back; a security fix is not held back', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let origin: CatalogOrigin;
  let api: ApiClient;

  beforeAll(async () => {
    origin = createCatalogOrigin(
      Object.fromEntries([...STREAM_FILES, OTHER].map((f) => [f, readFileSync(join(CORPUS, f), 'utf8')])),
    );
    const config = join(mkdtempSync(join(tmpdir(), 'pf-soak-')), 'watch.json');
    writeFileSync(
      config,
      JSON.stringify({ targets: [], soak: [{ definitions: 'image/php/', minReleaseAgeMs: 3_000 }] }),
    );
    api = await fx.startApi();
    await fx.startService('dist/libs/testing/src/patching-worker-main.js', {
      PF_CATALOG_REMOTE: origin.dir,
      PF_CATALOG_WORKDIR: join(mkdtempSync(join(tmpdir(), 'pf-e2e-ws-')), 'catalog.git'),
      PF_FORGE: 'branch',
      PF_WATCH_CONFIG: config,
    });
  }, 120_000);
  afterAll(async () => {
    await fx.close();
    origin?.cleanup();
  }, 60_000);

  const runs = async () => (await api.request<{ runs: PipelineRun[] }>('GET', '/runs?limit=100')).body.runs;

  it('plans the update only once it is 3 s old', async () => {
    const postedAt = Date.now();
    // firstSeenAt is the API's own clock (no caller sets it: issue 14), so at or after postedAt.
    await api.request('POST', '/events/upstream', EVENT);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await runs()).toEqual([]);
    const planned = await waitFor(
      'three runs once the version has soaked',
      async () => {
        const all = await runs();
        return all.length === 3 ? all : undefined;
      },
      30_000,
      100,
    );
    expect(Math.min(...planned.map((r) => r.createdAt))).toBeGreaterThanOrEqual(postedAt + 3_000);
  }, 60_000);

  it('plans a security fix at once', async () => {
    const osv = {
      id: 'CVE-2026-5555',
      modified: '2026-11-24T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'Alpine:v3.23', name: 'php-8.3' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '8.3.36-r0' }] }],
          database_specific: { severity: 'high' },
        },
      ],
    };
    await waitFor(
      'the first update to land',
      async () => ((await runs()).every((r) => r.state === 'succeeded') ? true : undefined),
      60_000,
      100,
    );
    const before = (await runs()).length;
    const postedAt = Date.now();
    await api.request('POST', '/events/advisory', osv);
    const planned = await waitFor(
      'three more runs',
      async () => {
        const all = await runs();
        return all.length === before + 3 ? all : undefined;
      },
      30_000,
      100,
    );
    expect(Math.max(...planned.map((r) => r.createdAt))).toBeLessThan(postedAt + 3_000);
  }, 90_000);
});

describe('a run that fails a gate before review puts the reason in its pull request', () => {
  const fx = new BackboneFixture(undefined, { PF_LOG_LEVEL: 'warn' });
  let origin: CatalogOrigin;
  let github: GithubDouble;
  let api: ApiClient;

  beforeAll(async () => {
    origin = createCatalogOrigin(
      Object.fromEntries([...STREAM_FILES, OTHER].map((f) => [f, readFileSync(join(CORPUS, f), 'utf8')])),
    );
    github = await startGithubDouble({
      owner: 'octo',
      repo: 'catalog',
      token: TOKEN,
      resolveBranch: (b) => origin.head(b),
    });
    api = await fx.startApi();
    await startGithubWorker(fx, origin, github, { PF_TEST_GATE_FAIL_STAGE: 'scan' });
  }, 120_000);
  afterAll(async () => {
    await fx.close();
    await github?.close();
    origin?.cleanup();
  }, 60_000);

  it('no run reaches review, yet the pull request opens with every failure, code and reason, and nothing merges', async () => {
    await api.request('POST', '/events/upstream', EVENT);
    const failed = await waitFor(
      'three runs failed at scan',
      async () => {
        const runs = (await api.request<{ runs: PipelineRun[] }>('GET', '/runs?limit=100')).body.runs;
        return runs.length === 3 && runs.every((r) => r.state === 'failed') ? runs : undefined;
      },
      90_000,
      200,
    );
    for (const run of failed) {
      expect(run.error).toMatchObject({ stage: 'scan', code: 'gate-new-fixable-vulnerability' });
      expect(run.stages.find((s) => s.stage === 'review')?.status).toBe('pending');
    }
    const pull = await waitFor(
      'a pull request naming the three failures',
      () => {
        const open = github.pulls.filter((p) => p.state === 'open');
        const body = open[0]?.body ?? '';
        return Promise.resolve(
          open.length === 1 &&
            failed.every((r) => body.includes(r.id)) &&
            (body.match(/failed at scan/g) ?? []).length === 3
            ? open[0]
            : undefined,
        );
      },
      30_000,
      200,
    );
    expect(pull.head).toBe(BRANCH);
    expect(pull.body).toContain('**failed at scan** (gate-new-fixable-vulnerability)');
    expect(pull.body).toContain('CVE-2099-4242 in test-pkg 1.0 (fixed in 1.1)');
    expect(pull.merged).toBe(false);
    expect(origin.log(`main..${BRANCH}`)).toHaveLength(1);
    github.assertNoViolations();
  }, 180_000);
});
