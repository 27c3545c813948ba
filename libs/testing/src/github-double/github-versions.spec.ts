import { createManualClock } from './manual-clock';
import { startGithubDouble, type GithubDouble } from './github-double';

const TOKEN = 'ghp_versions_token';

describe('GitHub double: releases and tags', () => {
  let double: GithubDouble;
  const clock = createManualClock();

  beforeEach(async () => {
    double = await startGithubDouble({ token: TOKEN, now: clock.now });
  });
  afterEach(async () => {
    await double.close();
  });

  async function get(
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: Headers; json: unknown }> {
    const res = await fetch(`${double.url}${path}`, {
      headers: { authorization: `token ${TOKEN}`, accept: 'application/vnd.github+json', ...headers },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  it('lists releases newest first, paginated with Link rel=next, valid against the description', async () => {
    for (let i = 1; i <= 5; i++) double.addRelease({ tag: `v1.${i}.0`, prerelease: i === 5 });
    const first = await get('/repos/octo/catalog/releases?per_page=2');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject([{ tag_name: 'v1.5.0', prerelease: true }, { tag_name: 'v1.4.0' }]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toBe(`${double.url}/repos/octo/catalog/releases?per_page=2&page=2`);
    const last = await get('/repos/octo/catalog/releases?per_page=2&page=3');
    expect(last.json).toMatchObject([{ tag_name: 'v1.1.0' }]);
    expect(last.headers.get('link')).toBeNull();
    double.assertNoViolations();
  });

  it('lists tags with their commits', async () => {
    double.addTag('v1.0.0', 'a'.repeat(40));
    double.addTag('v1.1.0');
    const res = await get('/repos/octo/catalog/tags');
    expect(res.json).toMatchObject([{ name: 'v1.1.0' }, { name: 'v1.0.0', commit: { sha: 'a'.repeat(40) } }]);
    double.assertNoViolations();
  });

  it('answers 304 without a body to a GET whose If-None-Match names the current ETag', async () => {
    double.addTag('v1.0.0');
    const first = await get('/repos/octo/catalog/tags');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const again = await get('/repos/octo/catalog/tags', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.json).toBeUndefined();
    double.addTag('v1.1.0');
    const changed = await get('/repos/octo/catalog/tags', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(double.requests.map((r) => r.status)).toEqual([200, 304, 200]);
    double.assertNoViolations();
  });
});
