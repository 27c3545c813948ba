import { createManualClock } from './manual-clock';
import { findOperation } from './openapi-description';
import { validateRequest, validateResponse } from './openapi-validator';
import { startGithubDouble, type GithubDouble } from './github-double';

const TOKEN = 'ghp_spec_token';

describe('GitHub double', () => {
  let double: GithubDouble;
  const clock = createManualClock();

  beforeEach(async () => {
    double = await startGithubDouble({ token: TOKEN, now: clock.now });
  });
  afterEach(async () => {
    await double.close();
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
    token = TOKEN,
  ): Promise<{ status: number; headers: Headers; json: unknown }> {
    const res = await fetch(`${double.url}${path}`, {
      method,
      headers: {
        authorization: `token ${token}`,
        accept: 'application/vnd.github+json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  it('serves the pull request operations with responses that match the OpenAPI description', async () => {
    const created = await call('POST', '/repos/octo/catalog/pulls', {
      title: 't',
      head: 'pf/a/b/c',
      base: 'main',
      body: 'b',
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ number: 1, state: 'open', head: { ref: 'pf/a/b/c' }, base: { ref: 'main' } });
    expect(
      (await call('GET', '/repos/octo/catalog/pulls?state=open&head=octo%3Apf%2Fa%2Fb%2Fc&per_page=100')).json,
    ).toHaveLength(1);
    expect((await call('GET', '/repos/octo/catalog/pulls?state=open&head=octo%3Apf%2Fother')).json).toHaveLength(0);
    expect(
      (await call('POST', '/repos/octo/catalog/issues/1/labels', { labels: ['x', 'severity:high'] })).json,
    ).toHaveLength(2);
    expect((await call('DELETE', '/repos/octo/catalog/issues/1/labels/x')).status).toBe(200);
    expect((await call('DELETE', '/repos/octo/catalog/issues/1/labels/x')).status).toBe(404);
    expect((await call('PATCH', '/repos/octo/catalog/pulls/1', { title: 't2' })).json).toMatchObject({
      title: 't2',
      labels: [{ name: 'severity:high' }],
    });
    expect((await call('GET', '/repos/octo/catalog/commits/abc/status')).json).toMatchObject({
      state: 'pending',
      total_count: 0,
    });
    double.setCommitStatus('abc', 'success');
    expect((await call('GET', '/repos/octo/catalog/commits/abc/status')).json).toMatchObject({
      state: 'success',
      total_count: 1,
    });
    const sha = double.pulls[0]?.headSha;
    expect((await call('PUT', '/repos/octo/catalog/pulls/1/merge', { sha: 'f'.repeat(40) })).status).toBe(409);
    expect(
      (await call('PUT', '/repos/octo/catalog/pulls/1/merge', { sha, merge_method: 'squash' })).json,
    ).toMatchObject({ merged: true });
    expect((await call('PUT', '/repos/octo/catalog/pulls/1/merge', { sha })).status).toBe(405);
    expect((await call('GET', '/repos/octo/catalog/pulls/1')).json).toMatchObject({ merged: true, state: 'closed' });
    expect((await call('GET', '/repos/octo/catalog/pulls/99')).status).toBe(404);
    expect(double.violations).toEqual([]);
  });

  it('serves commit statuses, check runs and required checks as GitHub documents them', async () => {
    const sha = 'c'.repeat(40);
    const runs = `/repos/octo/catalog/commits/${sha}/check-runs`;
    expect((await call('GET', runs)).json).toEqual({ total_count: 0, check_runs: [] });
    double.setCheckRun(sha, { name: 'build' });
    double.setCheckRun(sha, { name: 'test', status: 'in_progress' });
    double.setCheckRun(sha, { name: 'lint', conclusion: 'failure', appId: 7 });
    double.setCheckRun(sha, { name: 'build', conclusion: 'cancelled' }); // re-run: replaces the earlier build
    const all = await call('GET', `${runs}?filter=latest&per_page=2&page=1`);
    expect(all.json).toMatchObject({
      total_count: 3,
      check_runs: [
        { name: 'test', status: 'in_progress', conclusion: null },
        { name: 'lint', app: { id: 7 } },
      ],
    });
    expect(all.headers.get('link')).toContain('page=2>; rel="next"');
    expect((await call('GET', `${runs}?per_page=2&page=2`)).json).toMatchObject({
      check_runs: [{ name: 'build', conclusion: 'cancelled', app: { id: 15368 } }],
    });
    expect((await call('GET', `${runs}?status=in_progress`)).json).toMatchObject({ total_count: 1 });
    expect((await call('GET', `${runs}?filter=sometimes`)).status).toBe(400);

    double.setCommitStatus(sha, 'success', 'ci/a');
    double.setCommitStatus(sha, 'pending', 'ci/b');
    expect((await call('GET', `/repos/octo/catalog/commits/${sha}/status`)).json).toMatchObject({
      state: 'pending',
      total_count: 2,
    });
    double.setCommitStatus(sha, 'error', 'ci/b');
    const combined = await call('GET', `/repos/octo/catalog/commits/${sha}/status?per_page=1&page=2`);
    expect(combined.json).toMatchObject({
      state: 'failure',
      total_count: 2,
      statuses: [{ context: 'ci/b', state: 'error' }],
    });

    const protection = '/repos/octo/catalog/branches/main/protection/required_status_checks';
    expect(await call('GET', protection)).toMatchObject({ status: 404, json: { message: 'Branch not protected' } });
    double.setRequiredChecks('main', { contexts: ['ci/a'], checks: [{ context: 'build', appId: 15368 }] });
    expect((await call('GET', protection)).json).toMatchObject({
      contexts: ['ci/a', 'build'],
      checks: [
        { context: 'ci/a', app_id: null },
        { context: 'build', app_id: 15368 },
      ],
    });
    double.setRequiredChecks('main', undefined);
    expect((await call('GET', protection)).status).toBe(404);
    expect(double.violations.map((v) => v.phase)).toEqual(['request']);
  });

  it('answers 422 to a second pull request for the same head and base', async () => {
    await call('POST', '/repos/octo/catalog/pulls', { title: 't', head: 'pf/a/b/c', base: 'main' });
    const again = await call('POST', '/repos/octo/catalog/pulls', { title: 't', head: 'pf/a/b/c', base: 'main' });
    expect(again.status).toBe(422);
    expect(JSON.stringify(again.json)).toContain('A pull request already exists for octo:pf/a/b/c.');
    expect(double.violations).toEqual([]);
  });

  it('refuses and records requests that do not match the description', async () => {
    expect((await call('GET', '/repos/octo/catalog/pulls?state=opened')).status).toBe(400);
    expect((await call('GET', '/repos/octo/catalog/pulls?colour=red')).status).toBe(400);
    expect(
      (await call('POST', '/repos/octo/catalog/pulls', { title: 't', head: 'x', base: 'main', labels: ['no'] })).status,
    ).toBe(400);
    expect((await call('PATCH', '/repos/octo/catalog/pulls/1', { state: 'merged' })).status).toBe(400);
    expect((await call('GET', '/repos/octo/catalog/pulls/not-a-number')).status).toBe(400);
    expect((await call('GET', '/nowhere/at/all')).status).toBe(404);
    expect(double.violations.map((v) => v.phase)).toEqual([
      'request',
      'request',
      'request',
      'request',
      'request',
      'route',
    ]);
    expect(double.violations[1]?.errors.join()).toContain('"colour"');
    expect(double.violations[2]?.errors.join()).toContain('"labels"');
    expect(() => double.assertNoViolations()).toThrow(/6 OpenAPI violation/);
  });

  it('rejects a wrong token with 401 and keeps no headers', async () => {
    const res = await call('GET', '/repos/octo/catalog/pulls', undefined, 'wrong');
    expect(res.status).toBe(401);
    expect(JSON.stringify(double.requests)).not.toContain('wrong');
    expect(double.violations).toEqual([]);
  });

  it('injects rate limits and server errors with GitHub’s documented headers and bodies', async () => {
    double.failNext({ kind: 'secondary-rate-limit', retryAfterSeconds: 7, method: 'POST' });
    double.failNext({ kind: 'primary-rate-limit', resetInSeconds: 90 });
    double.failNext({ kind: 'too-many-requests', retryAfterSeconds: 3 });
    double.failNext({ kind: 'server-error', status: 503, count: 2 });
    const get = await call('GET', '/repos/octo/catalog/pulls');
    expect(get.status).toBe(403); // the POST-only fault waits; the primary limit comes first
    expect(get.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(get.headers.get('x-ratelimit-reset'))).toBe(Math.floor(clock.now() / 1000) + 90);
    const post = await call('POST', '/repos/octo/catalog/pulls', { title: 't', head: 'pf/a', base: 'main' });
    expect(post.status).toBe(403);
    expect(post.headers.get('retry-after')).toBe('7');
    expect(JSON.stringify(post.json)).toContain('secondary rate limit');
    const limited = await call('GET', '/repos/octo/catalog/pulls');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await call('GET', '/repos/octo/catalog/pulls')).status).toBe(503);
    expect((await call('GET', '/repos/octo/catalog/pulls')).status).toBe(503);
    expect((await call('GET', '/repos/octo/catalog/pulls')).status).toBe(200);
    expect(double.requests.map((r) => r.fault ?? 'none')).toEqual([
      'primary-rate-limit',
      'secondary-rate-limit',
      'too-many-requests',
      'server-error',
      'server-error',
      'none',
    ]);
    expect(double.violations).toEqual([]);
  });

  it('validation really checks responses against the description', () => {
    const op = findOperation('GET', '/repos/octo/catalog/pulls/1');
    expect(op?.operationId).toBe('pulls/get');
    if (!op) return;
    expect(validateResponse(op, 200, { number: 'one' }, false).length).toBeGreaterThan(0);
    expect(validateResponse(op, 201, { message: 'x' }, false)).toContain('status 201 is not documented for pulls/get');
    expect(validateRequest(op, new URLSearchParams(), { title: 1 }, true)).toContain('pulls/get takes no JSON body');
  });
});
