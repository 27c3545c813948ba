import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { QueueName } from '@patch-factory/contracts';
import { PullRequestLinks } from '@patch-factory/store';
import { BackboneFixture, type ApiClient } from '../src';

const SECRET = 'a-webhook-secret-for-tests-only';
const BRANCH = 'pf/demo/debian-13/1';

function prEvent(
  action: string,
  merged: boolean,
  branch = BRANCH,
  where: { repository?: string; base?: string } = {},
): string {
  return JSON.stringify({
    action,
    pull_request: {
      number: 7,
      merged,
      merge_commit_sha: merged ? 'a'.repeat(40) : null,
      head: { ref: branch },
      base: { ref: where.base ?? 'main' },
    },
    repository: { full_name: where.repository ?? 'Owner/Catalog', default_branch: 'main' },
  });
}
/** The catalog repository the API is configured with (the event names it in another case). */
const CATALOG_REPO = { PF_GITHUB_OWNER: 'owner', PF_GITHUB_REPO: 'catalog' };

const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function deliver(
  api: ApiClient,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: { outcome?: string; error?: { code: string } } }> {
  const res = await fetch(`${api.base}/webhooks/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { outcome?: string; error?: { code: string } } };
}

describe('inbound GitHub webhooks: a merged pull request promotes its runs once', () => {
  const fx = new BackboneFixture();
  const links = new PullRequestLinks(fx.redis, fx.prefix);
  let api: ApiClient;

  beforeAll(async () => {
    api = await fx.startApi({ PF_GITHUB_WEBHOOK_SECRET: SECRET, ...CATALOG_REPO });
    await fx.startWorker(['review', 'promote', 'notify'], { PF_TEST_AWAIT_STAGES: 'review' });
  }, 120_000);
  afterAll(() => fx.close(), 60_000);

  it('refuses unsigned and forged deliveries (401) and enqueues nothing; 100 redeliveries promote once', async () => {
    const runId = await api.trigger('image/demo/debian-13/1.yaml', { from: 'review', to: 'notify' });
    await fx.waitForRuns([runId], 30_000, ['awaiting']);
    await links.link(BRANCH, runId);
    const merged = prEvent('closed', true);

    const unsigned = await deliver(api, merged, { 'x-github-delivery': randomUUID() });
    expect(unsigned).toMatchObject({ status: 401, body: { error: { code: 'invalid-signature' } } });
    const forged = await deliver(api, merged, {
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(merged, 'not-the-secret-at-all'),
    });
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 'invalid-signature' } } });
    // A signature over another body does not carry over.
    const swapped = await deliver(api, merged, {
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(prEvent('closed', true, 'other')),
    });
    expect(swapped.status).toBe(401);
    // A signed event that is not a merge changes nothing.
    const closedUnmerged = prEvent('closed', false);
    expect(
      (
        await deliver(api, closedUnmerged, {
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': sign(closedUnmerged),
        })
      ).body.outcome,
    ).toBe('ignored');
    // A correctly signed merge of the same head branch in another repository, or into another
    // base branch, is answered 2xx (GitHub retries anything else), ignored with its reason, and resumes nothing.
    const otherRepo = prEvent('closed', true, BRANCH, { repository: 'someone/catalog' });
    const otherRepoAnswer = await deliver(api, otherRepo, {
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(otherRepo),
    });
    expect(otherRepoAnswer).toMatchObject({ status: 202, body: { outcome: 'ignored' } });
    expect(JSON.stringify(otherRepoAnswer.body)).toContain('other-repository');
    const otherBase = prEvent('closed', true, BRANCH, { base: 'release-1' });
    const otherBaseAnswer = await deliver(api, otherBase, {
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(otherBase),
    });
    expect(otherBaseAnswer).toMatchObject({ status: 202, body: { outcome: 'ignored' } });
    expect(JSON.stringify(otherBaseAnswer.body)).toContain('other-base-branch');
    await new Promise((r) => setTimeout(r, 300));
    expect((await fx.runs.get(runId))?.state).toBe('awaiting');
    expect(await fx.effects.effects(runId)).toBe(1); // review only

    // One delivery, redelivered 100 times (10 at a time, as a flood would arrive).
    const delivery = randomUUID();
    const answers: { status: number; body: { outcome?: string } }[] = [];
    for (let round = 0; round < 10; round++) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, () =>
            deliver(api, merged, { 'x-github-delivery': delivery, 'x-hub-signature-256': sign(merged) }),
          ),
        )),
      );
    }
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(answers.filter((a) => a.body.outcome === 'promotion-enqueued').length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((a) => a.body.outcome === 'duplicate').length).toBeGreaterThanOrEqual(90);

    const [run] = await fx.waitForRuns([runId], 30_000);
    expect(run?.state).toBe('succeeded');
    expect(run?.stages.find((s) => s.stage === 'review')?.artifacts).toMatchObject({
      'pr.number': '7',
      'pr.merge-commit': 'a'.repeat(40),
    });
    // review, promote and notify: one effect each, whatever the number of deliveries.
    expect(await fx.effects.effects(runId)).toBe(3);
    expect(await fx.runs.completions(runId)).toBe(1);
    // A new delivery id for the same merge (GitHub's "redeliver" keeps the id; this one does not) promotes nothing more.
    const again = await deliver(api, merged, {
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(merged),
    });
    expect(again.status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect(await fx.effects.effects(runId)).toBe(3);
  });

  it('answers a malformed delivery with a clear 400 and never a stack trace', async () => {
    const notJson = 'not json';
    const res = await deliver(api, notJson, {
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(notJson),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/not JSON/);
    const noDelivery = await deliver(api, '{}', { 'x-hub-signature-256': sign('{}') });
    expect(noDelivery.status).toBe(400);
    expect(JSON.stringify(noDelivery.body)).toContain('X-GitHub-Delivery');
    const badShape = JSON.stringify({ action: 'closed', pull_request: { number: -1 } });
    const shape = await deliver(api, badShape, {
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(badShape),
    });
    expect(shape.status).toBe(400);
    expect(JSON.stringify(shape.body)).toContain('pull_request.number');
  });
});

describe("inbound GitHub webhooks: a published release polls its repository's watch targets at once", () => {
  const fx = new BackboneFixture();
  let api: ApiClient;

  beforeAll(async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'pf-hook-watch-')), 'watch.json');
    writeFileSync(
      config,
      JSON.stringify({
        targets: [
          {
            key: 'github_release:octo/tool',
            kind: 'github_release',
            ref: 'octo/tool',
            config: { type: 'github_release', owner: 'Octo', repo: 'Tool', set: 'V' },
          },
          {
            key: 'git_tags:octo/tool',
            kind: 'git_tags',
            ref: 'octo/tool',
            config: { type: 'git_tags', url: '/srv/tool.git', set: 'V' },
          },
        ],
      }),
    );
    api = await fx.startApi({ PF_GITHUB_WEBHOOK_SECRET: SECRET, PF_WATCH_CONFIG: config });
  }, 120_000);
  afterAll(() => fx.close(), 60_000);

  const release = (repo: string) =>
    JSON.stringify({ action: 'published', release: { tag_name: 'v1.2.3' }, repository: { full_name: repo } });
  const send = (body: string) =>
    fetch(`${api.base}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'release',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': sign(body),
      },
      body,
    }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { outcome: string; runs: { runId: string }[] },
    }));

  it('enqueues one poll of the github targets of that repository, and nothing for another', async () => {
    const hit = await send(release('octo/tool'));
    expect(hit).toMatchObject({
      status: 202,
      body: { outcome: 'poll-enqueued', runs: [{ runId: 'github_release:octo/tool' }] },
    });
    const queue = new Queue(QueueName.watch, { connection: fx.redis, prefix: fx.prefix });
    try {
      const jobs = await queue.getJobs(['waiting', 'delayed', 'active']);
      expect(jobs.map((j) => [j.name, (j.data as { target: string }).target])).toEqual([
        ['watch.poll', 'github_release:octo/tool'],
      ]);
    } finally {
      await queue.close();
    }
    expect((await send(release('someone/else'))).body.outcome).toBe('ignored');
  });
});
