import { createManualClock } from './manual-clock';
import { startGithubDouble, type GithubDouble } from './github-double';

const TOKEN = 'ghp_branches_token';
const SHA_A = '1a'.repeat(20);
const SHA_B = '2b'.repeat(20);

describe('GitHub double: repository and branch heads', () => {
  let double: GithubDouble;
  const clock = createManualClock();

  beforeEach(async () => {
    double = await startGithubDouble({
      token: TOKEN,
      now: clock.now,
      resolveBranch: (b) => (b === 'main' ? SHA_A : undefined),
    });
  });
  afterEach(async () => {
    await double.close();
  });

  async function get(path: string): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${double.url}${path}`, {
      headers: { authorization: `token ${TOKEN}`, accept: 'application/vnd.github+json' },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  it('answers the repository with its default branch, valid against the description', async () => {
    expect(await get('/repos/octo/catalog')).toMatchObject({
      status: 200,
      json: { full_name: 'octo/catalog', default_branch: 'main' },
    });
    double.setDefaultBranch('trunk');
    expect(await get('/repos/octo/catalog')).toMatchObject({ json: { default_branch: 'trunk' } });
    double.assertNoViolations();
  });

  it('answers a branch with its head commit and committer date; a moved head is answered from then on', async () => {
    expect(await get('/repos/octo/catalog/branches/main')).toMatchObject({
      status: 200,
      json: { name: 'main', commit: { sha: SHA_A } },
    });
    double.setBranchHead('main', SHA_B, Date.UTC(2026, 2, 4, 23, 59, 59));
    expect(await get('/repos/octo/catalog/branches/main')).toMatchObject({
      json: { commit: { sha: SHA_B, commit: { committer: { date: '2026-03-04T23:59:59Z' } } } },
    });
    double.setBranchHead('release/1.x', SHA_A);
    expect(await get('/repos/octo/catalog/branches/release%2F1.x')).toMatchObject({
      status: 200,
      json: { name: 'release/1.x', commit: { sha: SHA_A } },
    });
    expect((await get('/repos/octo/catalog/branches/gone')).status).toBe(404);
    double.assertNoViolations();
  });
});
