import { RetryableError, TerminalError } from '@patch-factory/contracts';
import {
  createCatalogOrigin,
  createManualClock,
  startGithubDouble,
  type CatalogOrigin,
  type GithubDouble,
  type ManualClock,
} from '@patch-factory/testing';
import { join } from 'node:path';
import { DEFAULT_AUTO_MERGE_POLICY, SEVERITIES, type Severity } from '../auto-merge-policy';
import type { Forge } from '../forge';
import { ForgeErrorCode } from '../forge-errors';
import type { ForgeLogger } from '../forge-logger';
import { createForge } from '../forge-registry';
import { CatalogWorkspace } from '../git/catalog-workspace';
import type { PatchChange } from '../patch-change';
import { renderPullRequestBody } from '../pull-request-text';
import type { GithubForgeConfig } from './github-config.schema';

const TOKEN = 'ghp_s3cr3t_do_not_log_me';
const RUN_A = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9';
const RUN_B = 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8PA';
const BOT = { name: 'Patch Factory', email: 'factory@example.invalid' };
const STREAM = { image: 'nginx', os: 'debian-13', stream: '1.27' };
const FILE = 'image/nginx/debian-13/1.27.yaml';
const BRANCH = 'pf/nginx/debian-13/1.27';

function change(version: string, runId = RUN_A, stream = STREAM): PatchChange {
  const file = `image/${stream.image}/${stream.os}/${stream.stream}.yaml`;
  return {
    runId,
    stream,
    updates: [{ ref: `pkg:deb/debian/${stream.image}`, file, vars: [{ name: 'VERSION', old: '1.0.0', new: version }] }],
    files: [{ path: file, content: `vars:\n  VERSION: ${version}\n` }],
  };
}

describe('github forge (against the GitHub double over HTTP)', () => {
  let origin: CatalogOrigin;
  let workspace: CatalogWorkspace;
  let double: GithubDouble;
  let clock: ManualClock;
  let logs: Array<{ fields: Record<string, unknown>; msg: string }>;
  let forge: Forge;

  const logger: ForgeLogger = {
    info: (fields, msg) => logs.push({ fields, msg }),
    warn: (fields, msg) => logs.push({ fields, msg }),
  };

  function makeForge(extra: Partial<GithubForgeConfig> = {}): Forge {
    return createForge(
      { provider: 'github', owner: 'octo', repo: 'catalog', token: TOKEN, baseUrl: double.url, ...extra },
      { workspace, clock, logger },
    );
  }

  /** The patch stage + review stage for one change: push the branch, ensure its pull request. */
  async function patchAndReview(c: PatchChange, severity: Severity = 'high', f = forge) {
    const pushed = await workspace.commitPatch(c);
    const pr = await f.ensurePullRequest({
      branch: pushed.branch,
      base: pushed.base,
      title: pushed.message.subject,
      body: renderPullRequestBody(c, severity),
      labels: ['catalog'],
      imageStream: c.stream,
      severity,
    });
    return { pushed, pr };
  }

  beforeEach(async () => {
    origin = createCatalogOrigin({ [FILE]: 'vars:\n  VERSION: 1.0.0\n' });
    workspace = new CatalogWorkspace({ remoteUrl: origin.dir, workDir: join(origin.root, 'work'), author: BOT });
    clock = createManualClock();
    logs = [];
    double = await startGithubDouble({ token: TOKEN, now: clock.now, resolveBranch: (b) => origin.head(b) });
    forge = makeForge();
  });

  afterEach(async () => {
    await double.close();
    origin.cleanup();
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
    double.assertNoViolations();
  });

  it('opens one pull request with title, body, marker and labels', async () => {
    const { pushed, pr } = await patchAndReview(change('1.0.1'));
    expect(pr).toMatchObject({
      provider: 'github',
      action: 'created',
      number: 1,
      state: 'open',
      branch: BRANCH,
      headSha: pushed.headSha,
    });
    const [p] = double.pulls;
    expect(p?.title).toBe('nginx: update pkg:deb/debian/nginx in debian-13/1.27.yaml');
    expect(p?.body).toContain('| `VERSION` | `1.0.0` | `1.0.1` |');
    expect(p?.body).toContain('<!-- patch-factory:image-stream=nginx/debian-13/1.27 -->');
    expect(p?.labels.sort()).toEqual(['catalog', 'patch-factory', 'severity:high']);
    expect(p?.base).toBe('main');
  });

  it('is idempotent: the same job again changes nothing — no commit, no push, no second pull request, no write', async () => {
    const first = await patchAndReview(change('1.0.1', RUN_A));
    const refs = origin.refs();
    const writes = double.writes().length;
    const again = await patchAndReview(change('1.0.1', RUN_A));
    expect(again.pushed).toMatchObject({ status: 'unchanged', headSha: first.pushed.headSha });
    expect(origin.refs()).toEqual(refs);
    expect(again.pr).toMatchObject({ action: 'unchanged', number: 1 });
    expect(double.pulls).toHaveLength(1);
    expect(double.writes()).toHaveLength(writes);
  });

  it('a later run with the same change keeps the branch head and the pull request (only the body names the new run)', async () => {
    const first = await patchAndReview(change('1.0.1', RUN_A));
    const second = await patchAndReview(change('1.0.1', RUN_B));
    expect(second.pushed).toMatchObject({ status: 'unchanged', headSha: first.pushed.headSha });
    expect(origin.log(`main..${BRANCH}`)).toHaveLength(1);
    expect(second.pr).toMatchObject({ action: 'updated', number: 1 });
    expect(double.pulls).toHaveLength(1);
    expect(double.pulls[0]?.body).toContain(RUN_B);
    expect(double.writes().filter((w) => w.operationId === 'pulls/create')).toHaveLength(1);
  });

  it('updates the open pull request when the change changes, and swaps the severity label', async () => {
    await patchAndReview(change('1.0.1'), 'high');
    const { pr } = await patchAndReview(change('1.0.2', RUN_B), 'critical');
    expect(pr).toMatchObject({ action: 'updated', number: 1 });
    expect(double.pulls).toHaveLength(1);
    expect(double.pulls[0]?.body).toContain('`1.0.2`');
    expect(double.pulls[0]?.headSha).toBe(origin.head(BRANCH));
    expect(double.pulls[0]?.labels.sort()).toEqual(['catalog', 'patch-factory', 'severity:critical']);
  });

  it('handles 422 "A pull request already exists" as the idempotent outcome', async () => {
    double.failNext({ kind: 'concurrent-create', operationId: 'pulls/create' });
    const { pr } = await patchAndReview(change('1.0.1'));
    expect(double.requests.find((r) => r.operationId === 'pulls/create')?.status).toBe(422);
    expect(pr).toMatchObject({ number: 1, state: 'open' });
    expect(double.pulls.filter((p) => p.state === 'open')).toHaveLength(1);
    expect(double.pulls[0]?.title).toBe('nginx: update pkg:deb/debian/nginx in debian-13/1.27.yaml');
  });

  it('closes superseded pull requests of the same stream only (not other streams, forks or people’s branches)', async () => {
    const marker = '<!-- patch-factory:image-stream=nginx/debian-13/1.27 -->';
    origin.commit('pf/legacy/nginx-1.27', { [FILE]: 'old\n' }, { from: 'main' });
    origin.commit('feature/mine', { [FILE]: 'mine\n' }, { from: 'main' });
    const legacy = double.addPull({ head: 'pf/legacy/nginx-1.27', body: `older\n\n${marker}` });
    const person = double.addPull({ head: 'feature/mine', body: marker });
    const fork = double.addPull({ head: 'pf/nginx/debian-13/1.27-fork', headRepo: 'evil/catalog', body: marker });
    const other = double.addPull({
      head: 'pf/nginx/debian-13/1.26',
      body: '<!-- patch-factory:image-stream=nginx/debian-13/1.26 -->',
    });
    await patchAndReview(change('1.0.1'));
    const closed = await forge.closeSuperseded(STREAM, BRANCH);
    expect(closed.map((c) => c.number)).toEqual([legacy.number]);
    expect(legacy.state).toBe('closed');
    expect(legacy.body).toContain(`superseded by the pull request of branch \`${BRANCH}\``);
    expect([person.state, fork.state, other.state, double.pulls.find((p) => p.head === BRANCH)?.state]).toEqual([
      'open',
      'open',
      'open',
      'open',
    ]);
    const writes = double.writes().length;
    expect(await forge.closeSuperseded(STREAM, BRANCH)).toEqual([]);
    expect(double.writes()).toHaveLength(writes);
  });

  it('closes an obsolete pull request once, saying why', async () => {
    await patchAndReview(change('1.0.1'));
    const closed = await forge.closeObsolete(BRANCH, 'the default branch already has nginx 1.0.1');
    expect(closed).toMatchObject({ number: 1, state: 'closed' });
    expect(double.pulls[0]?.body).toContain('no longer needed: the default branch already has nginx 1.0.1');
    const writes = double.writes().length;
    expect(await forge.closeObsolete(BRANCH, 'again')).toBeUndefined();
    expect(double.writes()).toHaveLength(writes);
    await expect(forge.closeObsolete(BRANCH, 'line\nbreak')).rejects.toMatchObject({
      code: ForgeErrorCode.unsafeInput,
    });
  });

  it.each(SEVERITIES.map((s) => [s]))('applies the auto-merge policy to %s', async (severity) => {
    const { pushed } = await patchAndReview(change('1.0.1'), severity);
    double.setCheckRun(pushed.headSha ?? '', { name: 'build' });
    const outcome = await forge.mergeWhenGreen({
      branch: BRANCH,
      severity,
      gatesPassed: true,
      headSha: pushed.headSha,
    });
    const merges = double.requests.filter((r) => r.operationId === 'pulls/merge');
    if (severity === 'critical' || severity === 'high') {
      expect(outcome).toMatchObject({ status: 'merged', method: 'squash' });
      expect(merges.map((m) => m.body)).toEqual([{ sha: pushed.headSha, merge_method: 'squash' }]);
      expect(await forge.isMerged(BRANCH)).toBe(true);
      expect(await forge.mergeWhenGreen({ branch: BRANCH, severity, gatesPassed: true })).toEqual({
        status: 'already-merged',
      });
      expect(double.requests.filter((r) => r.operationId === 'pulls/merge')).toHaveLength(1);
    } else {
      expect(outcome.status).toBe('manual');
      expect(merges).toEqual([]);
      expect(await forge.isMerged(BRANCH)).toBe(false);
    }
  });

  it('follows a configured policy table instead of the default', async () => {
    const policy = {
      critical: { autoMerge: true, method: 'merge' as const },
      high: { autoMerge: false, method: 'merge' as const },
      medium: { autoMerge: true, method: 'rebase' as const },
      low: { autoMerge: false, method: 'merge' as const },
      none: { autoMerge: false, method: 'merge' as const },
    };
    const f = makeForge({ autoMergePolicy: policy });
    const { pushed } = await patchAndReview(change('1.0.1'), 'medium', f);
    double.setCommitStatus(pushed.headSha ?? '', 'success');
    expect(await f.mergeWhenGreen({ branch: BRANCH, severity: 'high', gatesPassed: true })).toMatchObject({
      status: 'manual',
    });
    expect(await f.mergeWhenGreen({ branch: BRANCH, severity: 'medium', gatesPassed: true })).toMatchObject({
      status: 'merged',
      method: 'rebase',
    });
  });

  it('does not merge when gates failed, checks are pending or failing, the head moved, or GitHub refuses', async () => {
    const { pushed } = await patchAndReview(change('1.0.1'), 'critical');
    const head = pushed.headSha ?? '';
    expect(
      await forge.mergeWhenGreen({ branch: BRANCH, severity: 'critical', gatesPassed: false, headSha: head }),
    ).toMatchObject({ status: 'gates-failed' });
    double.setCommitStatus(head, 'pending');
    expect(
      await forge.mergeWhenGreen({ branch: BRANCH, severity: 'critical', gatesPassed: true, headSha: head }),
    ).toMatchObject({ status: 'checks-pending' });
    double.setCommitStatus(head, 'failure');
    expect(
      await forge.mergeWhenGreen({ branch: BRANCH, severity: 'critical', gatesPassed: true, headSha: head }),
    ).toMatchObject({ status: 'checks-failed' });
    double.setCommitStatus(head, 'success');
    expect(
      await forge.mergeWhenGreen({ branch: BRANCH, severity: 'critical', gatesPassed: true, headSha: 'a'.repeat(40) }),
    ).toMatchObject({ status: 'head-moved' });
    double.setMergeable(1, false);
    expect(
      await forge.mergeWhenGreen({ branch: BRANCH, severity: 'critical', gatesPassed: true, headSha: head }),
    ).toMatchObject({ status: 'blocked' });
    expect(double.pulls[0]?.merged).toBe(false);
    double.setMergeable(1, true);
    expect(
      await forge.mergeWhenGreen({ branch: BRANCH, severity: 'critical', gatesPassed: true, headSha: head }),
    ).toMatchObject({ status: 'merged' });
    expect(
      await forge.mergeWhenGreen({ branch: 'pf/none/debian-13/1', severity: 'critical', gatesPassed: true }),
    ).toEqual({ status: 'no-change-request' });
  });

  describe('merges only what is really green', () => {
    async function reviewed(f = forge): Promise<string> {
      const { pushed } = await patchAndReview(change('1.0.1'), 'critical', f);
      return pushed.headSha ?? '';
    }
    const merge = (head: string, f = forge) =>
      f.mergeWhenGreen({ branch: BRANCH, severity: 'critical', gatesPassed: true, headSha: head });

    it('does not merge a commit that reports no statuses and no check runs (a repository whose CI never ran)', async () => {
      const head = await reviewed();
      const outcome = await merge(head);
      expect(outcome.status).toBe('no-checks');
      expect(outcome.detail).toMatch(/no commit status and no check run.*allowUnchecked/);
      expect(double.pulls[0]?.merged).toBe(false);
      expect(double.requests.filter((r) => r.operationId === 'pulls/merge')).toEqual([]);
      expect(double.requests.map((r) => r.operationId)).toEqual(
        expect.arrayContaining([
          'repos/get-combined-status-for-ref',
          'checks/list-for-ref',
          'repos/get-status-checks-protection',
        ]),
      );
    });

    it('merges a commit without checks when the policy says allowUnchecked', async () => {
      const f = makeForge({ autoMergePolicy: { ...DEFAULT_AUTO_MERGE_POLICY, allowUnchecked: true } });
      const head = await reviewed(f);
      expect(await merge(head, f)).toMatchObject({ status: 'merged', method: 'squash' });
      expect(double.pulls[0]?.merged).toBe(true);
    });

    it('does not merge when a GitHub Actions check run failed, even with green commit statuses', async () => {
      const head = await reviewed();
      double.setCommitStatus(head, 'success', 'ci/legacy');
      double.setCheckRun(head, { name: 'lint' });
      double.setCheckRun(head, { name: 'test', conclusion: 'failure' });
      const outcome = await merge(head);
      expect(outcome).toMatchObject({ status: 'checks-failed' });
      expect(outcome.detail).toContain('check run test (failure)');
      for (const conclusion of ['cancelled', 'timed_out', 'action_required'] as const) {
        double.setCheckRun(head, { name: 'test', conclusion });
        expect(await merge(head)).toMatchObject({
          status: 'checks-failed',
          detail: expect.stringContaining(conclusion) as unknown,
        });
      }
      double.setCheckRun(head, { name: 'test', status: 'in_progress' });
      expect(await merge(head)).toMatchObject({
        status: 'checks-pending',
        detail: expect.stringContaining('check run test (in_progress)') as unknown,
      });
      expect(double.pulls[0]?.merged).toBe(false);
      double.setCheckRun(head, { name: 'test', conclusion: 'skipped' });
      double.setCheckRun(head, { name: 'docs', conclusion: 'neutral' });
      expect(await merge(head)).toMatchObject({ status: 'merged' });
    });

    it('does not merge while a check branch protection requires has not reported, from either API', async () => {
      const head = await reviewed();
      double.setRequiredChecks('main', { contexts: ['ci/required'], checks: [{ context: 'e2e', appId: 15368 }] });
      double.setCheckRun(head, { name: 'build' });
      const outcome = await merge(head);
      expect(outcome).toMatchObject({ status: 'checks-pending' });
      expect(outcome.detail).toContain('ci/required (required, not reported)');
      expect(outcome.detail).toContain('e2e (required, not reported)');
      double.setCommitStatus(head, 'success', 'ci/required');
      // A check bound to GitHub Actions is not satisfied by another app's run of the same name.
      double.setCheckRun(head, { name: 'e2e', appId: 999 });
      expect(await merge(head)).toMatchObject({
        status: 'checks-pending',
        detail: expect.stringContaining('e2e') as unknown,
      });
      expect(double.pulls[0]?.merged).toBe(false);
      double.setCheckRun(head, { name: 'e2e' });
      expect(await merge(head)).toMatchObject({ status: 'merged' });
    });

    it('merges when every status and check run is green, reading every page of check runs', async () => {
      const head = await reviewed();
      double.setRequiredChecks('main', { checks: [{ context: 'job-149' }] });
      for (let i = 0; i < 150; i++) double.setCheckRun(head, { name: `job-${i}` });
      double.setCommitStatus(head, 'success', 'ci/legacy');
      expect(await merge(head)).toMatchObject({ status: 'merged', method: 'squash' });
      const pages = double.requests.filter((r) => r.operationId === 'checks/list-for-ref').map((r) => r.query['page']);
      expect(pages).toEqual(['1', '2']);
    });

    it('goes on with the reported checks when the token may not read branch protection (403), and says so', async () => {
      const head = await reviewed();
      double.setCheckRun(head, { name: 'build' });
      double.failNext({ kind: 'forbidden', operationId: 'repos/get-status-checks-protection' });
      expect(await merge(head)).toMatchObject({ status: 'merged' });
      expect(logs.map((l) => l.msg)).toContain(
        'github: the token cannot read branch protection; judging by the reported checks',
      );
    });

    it('a failing check on page 2 is still seen', async () => {
      const head = await reviewed();
      for (let i = 0; i < 120; i++)
        double.setCheckRun(head, { name: `job-${i}`, conclusion: i === 110 ? 'failure' : 'success' });
      expect(await merge(head)).toMatchObject({
        status: 'checks-failed',
        detail: expect.stringContaining('job-110') as unknown,
      });
    });
  });

  it('caps content-creating requests per minute (3/min, simulated clock)', async () => {
    const f = makeForge({ writesPerMinute: 3 });
    const streams = ['a', 'b', 'c', 'd'].map((image) => ({ image, os: 'debian-13', stream: '1' }));
    for (const s of streams) await patchAndReview(change('1.0.1', RUN_A, s), 'high', f);
    const writes = double.writes().map((r) => r.at);
    expect(writes).toHaveLength(8); // per stream: create + labels
    for (let i = 0; i + 3 < writes.length; i++) {
      expect((writes[i + 3] ?? 0) - (writes[i] ?? 0)).toBeGreaterThanOrEqual(60_000);
    }
    // Reads are not held back: every read before the 4th write happened at the start time.
    const start = double.requests[0]?.at ?? 0;
    expect((writes[7] ?? 0) - start).toBeGreaterThanOrEqual(120_000);
    expect(double.requests.filter((r) => r.method === 'GET' && r.at === start).length).toBeGreaterThanOrEqual(2);
  });

  it('honours Retry-After on 429', async () => {
    double.failNext({ kind: 'too-many-requests', retryAfterSeconds: 30, operationId: 'pulls/create' });
    await patchAndReview(change('1.0.1'));
    const creates = double.requests.filter((r) => r.operationId === 'pulls/create');
    expect(creates.map((r) => r.status)).toEqual([429, 201]);
    expect((creates[1]?.at ?? 0) - (creates[0]?.at ?? 0)).toBe(30_000);
    expect(double.pulls).toHaveLength(1);
  });

  it('honours secondary rate limits: retry-after when given, else a minute doubling; and the primary reset', async () => {
    double.failNext({ kind: 'secondary-rate-limit', retryAfterSeconds: 7, operationId: 'pulls/create' });
    double.failNext({ kind: 'secondary-rate-limit', operationId: 'pulls/create', count: 2 });
    double.failNext({ kind: 'primary-rate-limit', resetInSeconds: 120, operationId: 'issues/add-labels' });
    await patchAndReview(change('1.0.1'));
    const at = (op: string) => double.requests.filter((r) => r.operationId === op).map((r) => r.at);
    const creates = at('pulls/create');
    expect(creates.slice(1).map((t, i) => t - (creates[i] ?? 0))).toEqual([7_000, 60_000, 120_000]);
    const labels = at('issues/add-labels');
    expect((labels[1] ?? 0) - (labels[0] ?? 0)).toBeGreaterThanOrEqual(120_000);
    expect((labels[1] ?? 0) - (labels[0] ?? 0)).toBeLessThanOrEqual(122_000);
    expect(double.pulls[0]?.labels).toContain('severity:high');
  });

  it('waits for a primary limit announced by x-ratelimit-remaining: 0 before the next request', async () => {
    const start = clock.now();
    const reset = Math.floor(start / 1000) + 300;
    double.announceRateLimitExhausted(reset);
    await patchAndReview(change('1.0.1'));
    const [first, second] = double.requests;
    expect(first?.at).toBe(start);
    expect(second?.at ?? 0).toBeGreaterThanOrEqual(reset * 1000);
    expect(double.requests.every((r) => r.status < 400)).toBe(true);
  });

  it('gives up on a rate limit longer than maxWaitMs without sleeping, as a RetryableError', async () => {
    double.failNext({ kind: 'too-many-requests', retryAfterSeconds: 3600 });
    const error = await patchAndReview(change('1.0.1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: ForgeErrorCode.githubRateLimited });
    expect(clock.sleeps).toEqual([]);
  });

  it('retries 5xx with backoff and then succeeds', async () => {
    double.failNext({ kind: 'server-error', status: 502, count: 2, operationId: 'pulls/create' });
    await patchAndReview(change('1.0.1'));
    expect(double.requests.filter((r) => r.operationId === 'pulls/create').map((r) => r.status)).toEqual([
      502, 502, 201,
    ]);
    expect(clock.sleeps).toEqual([1_000, 2_000]);
    expect(double.pulls).toHaveLength(1);
  });

  it('stops retrying 5xx after maxRetries with a RetryableError', async () => {
    const f = makeForge({ maxRetries: 2 });
    double.failNext({ kind: 'server-error', status: 503, count: 10 });
    const error = await f.isMerged(BRANCH).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: ForgeErrorCode.githubUnavailable });
    expect(double.requests).toHaveLength(3);
  });

  it('reports any other 422 as a TerminalError a person can read', async () => {
    double.failNext({ kind: 'unprocessable', operationId: 'pulls/create' });
    const error = await patchAndReview(change('1.0.1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code: ForgeErrorCode.githubRejected });
    expect((error as Error).message).toContain('injected refusal');
    expect(double.pulls).toEqual([]);
  });

  it('reports a refused token as a TerminalError without the token', async () => {
    const f = makeForge({ token: 'ghp_wrong_token_value' });
    const error = await f.isMerged(BRANCH).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code: ForgeErrorCode.githubAuth });
    expect(String((error as Error).message)).not.toContain('ghp_wrong_token_value');
    expect(JSON.stringify(error)).not.toContain('ghp_wrong_token_value');
  });

  it('refuses hostile input before any HTTP request', async () => {
    const base = { base: 'main', title: 't', body: 'b', labels: [], imageStream: STREAM, severity: 'high' as const };
    for (const bad of [
      { ...base, branch: 'pf/../x' },
      { ...base, branch: '-x' },
      { ...base, branch: BRANCH, title: 'a\nb' },
      { ...base, branch: BRANCH, base: 'main;rm' },
      { ...base, branch: BRANCH, labels: ['x\ny'] },
      { ...base, branch: BRANCH, body: 'x <!-- patch-factory:image-stream=other/a/b -->' },
      { ...base, branch: BRANCH, imageStream: { image: '$(id)', os: 'a', stream: 'b' } },
      { ...base, branch: BRANCH, severity: 'urgent' as Severity },
    ]) {
      await expect(forge.ensurePullRequest(bad)).rejects.toMatchObject({ code: ForgeErrorCode.unsafeInput });
    }
    await expect(
      forge.mergeWhenGreen({ branch: 'pf/$(x)', severity: 'high', gatesPassed: true }),
    ).rejects.toMatchObject({ code: ForgeErrorCode.unsafeInput });
    expect(double.requests).toEqual([]);
  });
});
