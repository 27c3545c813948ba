import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { startGithubDouble, type GithubDouble } from '@patch-factory/testing';
import type { SourceState } from '../source';
import { GithubReleaseSource } from './github-release.source';

const TOKEN = 'ghp_sources_token';
const COMMIT = 'c'.repeat(40);

describe('github_release source', () => {
  let double: GithubDouble;
  let source: GithubReleaseSource;
  const signal = () => AbortSignal.timeout(30_000);

  beforeEach(async () => {
    double = await startGithubDouble({ token: TOKEN, owner: 'upstream', repo: 'tool' });
    source = new GithubReleaseSource({ github: { token: TOKEN, baseUrl: double.url } });
  });
  afterEach(async () => {
    double.assertNoViolations();
    await double.close();
  });

  const config = (extra: Record<string, unknown> = {}) =>
    source.parseConfig({ type: 'github_release', owner: 'upstream', repo: 'tool', set: 'VERSION', ...extra });

  it('lists published releases on the first poll, skipping drafts and prereleases', async () => {
    double.addRelease({ tag: 'v1.0.0', target: COMMIT, publishedAt: Date.UTC(2026, 0, 2) });
    double.addRelease({ tag: 'v1.1.0-rc.1', prerelease: true });
    double.addRelease({ tag: 'v1.1.0', target: 'main' });
    double.addRelease({ tag: 'v2.0.0', draft: true });
    const result = await source.poll(config(), {}, signal());
    expect(result.observations).toEqual([
      { ref: 'upstream/tool', version: '1.1.0', vars: { VERSION: '1.1.0' }, publishedAt: expect.any(Number) as number },
      {
        ref: 'upstream/tool',
        version: '1.0.0',
        commit: COMMIT,
        publishedAt: Date.UTC(2026, 0, 2),
        vars: { VERSION: '1.0.0' },
      },
    ]);
    expect(result.rejected).toEqual([]);
    expect(result.notModified).toBe(0);
    expect(Object.keys(result.state)).toEqual(['etag:releases:upstream/tool:1', 'pages:releases:upstream/tool']);
  });

  it('sends the saved ETag: an unchanged listing answers 304 and gives no observations', async () => {
    double.addRelease({ tag: 'v1.0.0' });
    const first = await source.poll(config(), {}, signal());
    const second = await source.poll(config(), first.state, signal());
    expect(second).toEqual({ observations: [], rejected: [], state: first.state, notModified: 1 });
    expect(double.requests.map((r) => r.status)).toEqual([200, 304]);
    double.addRelease({ tag: 'v1.0.1' });
    const third = await source.poll(config(), second.state, signal());
    expect(third.observations.map((o) => o.version)).toEqual(['1.0.1', '1.0.0']);
    expect(third.notModified).toBe(0);
  });

  it('follows Link rel=next over 3 pages, then answers 304 for each page', async () => {
    for (let i = 0; i < 250; i++) double.addRelease({ tag: `v1.${i}.0` });
    const first = await source.poll(config(), {}, signal());
    expect(first.observations).toHaveLength(250);
    expect(double.requests.map((r) => r.query['page'])).toEqual(['1', '2', '3']);
    expect(first.state['pages:releases:upstream/tool']).toBe('3');
    const second = await source.poll(config(), first.state, signal());
    expect(second.observations).toEqual([]);
    expect(second.notModified).toBe(3);
  });

  it('throws RetryableError naming the reset when the rate limit is exhausted', async () => {
    for (let i = 0; i < 150; i++) double.addRelease({ tag: `v1.${i}.0` });
    const reset = Math.floor(Date.now() / 1000) + 900;
    double.announceRateLimitExhausted(reset);
    const failure = source.poll(config(), {}, signal());
    await expect(failure).rejects.toBeInstanceOf(RetryableError);
    await expect(failure).rejects.toMatchObject({
      code: 'source-rate-limited',
      message: expect.stringContaining(new Date(reset * 1000).toISOString()) as string,
    });
    double.failNext({ kind: 'primary-rate-limit', resetInSeconds: 120 });
    await expect(source.poll(config(), {}, signal())).rejects.toMatchObject({
      code: 'source-rate-limited',
      retryable: true,
    });
  });

  it('drops hostile release tags with a reason, never throwing', async () => {
    double.addRelease({ tag: 'v'.repeat(10_000) });
    double.addRelease({ tag: 'v1.0.0\u0000evil' });
    double.addRelease({ tag: 'v1.0.0\u001b[31m' });
    double.addRelease({ tag: 'nightly' });
    double.addRelease({ tag: '$(reboot)' });
    double.addRelease({ tag: 'v3.0.0' });
    const result = await source.poll(config(), {}, signal());
    expect(result.observations.map((o) => o.version)).toEqual(['3.0.0']);
    expect(result.rejected.map((r) => r.reason)).toEqual([
      'unsafe-characters',
      'not-a-version',
      'control-character',
      'control-character',
      'too-long',
    ]);
    for (const r of result.rejected) expect(r.value.length).toBeLessThanOrEqual(70);
  });

  it('applies use: release to the title, and set rules to tag, name and commit', async () => {
    double.addRelease({ tag: 'rel-7', name: 'Tool 7.1.2 (LTS)', target: COMMIT });
    double.addRelease({ tag: 'rel-8', name: 'Tool 8.0.0', target: 'main' });
    const cfg = config({
      use: 'release',
      match: '^Tool (?P<version>\\d+\\.\\d+\\.\\d+)',
      set: [
        { var: 'TAG', value: 'tag' },
        { var: 'MAJOR', value: 'name', match: '^Tool (\\d+)\\.' },
        { var: 'GIT_COMMIT', value: 'commit' },
      ],
    });
    const result = await source.poll(cfg, {}, signal());
    expect(result.observations).toEqual([
      {
        ref: 'upstream/tool',
        version: '7.1.2',
        commit: COMMIT,
        publishedAt: expect.any(Number) as number,
        vars: { TAG: 'rel-7', MAJOR: '7', GIT_COMMIT: COMMIT },
      },
    ]);
    expect(result.rejected).toEqual([{ value: '"Tool 8.0.0"', reason: 'commit-unknown' }]);
  });

  it('refuses invalid track entries and answers 404 with TerminalError', async () => {
    expect(() => config({ owner: '-bad' })).toThrow(TerminalError);
    expect(() => config({ match: '(a+)+$' })).toThrow(/catastrophic/);
    expect(() => config({ set: [{ var: 'X', value: 'digest' }] })).toThrow(/set/);
    const other = source.parseConfig({ type: 'github_release', owner: 'upstream', repo: 'missing', set: 'V' });
    await expect(source.poll(other, {} as SourceState, signal())).rejects.toMatchObject({
      code: 'source-not-found',
      retryable: false,
    });
  });
});
