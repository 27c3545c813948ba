import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { startGithubDouble, type GithubDouble } from '@patch-factory/testing';
import { createSource } from '../source-registry';
import type { Source } from '../source';
import { dateStamp, GithubRepositorySource } from './github-repository.source';

const TOKEN = 'ghp_sources_token';
const FIRST = '0123456789abcdef'.repeat(2) + '01234567';
const MOVED = 'fedcba9876543210'.repeat(2) + 'fedcba98';
const SET = { COMMIT: 'commit', SHORT: 'short-commit', DATE: 'date' };

describe('github_repository source', () => {
  let double: GithubDouble;
  let source: Source<unknown>;
  const signal = () => AbortSignal.timeout(30_000);

  beforeEach(async () => {
    double = await startGithubDouble({ token: TOKEN, owner: 'upstream', repo: 'lib', resolveBranch: () => undefined });
    source = createSource('github_repository', { github: { token: TOKEN, baseUrl: double.url } });
  });
  afterEach(async () => {
    double.assertNoViolations();
    await double.close();
  });

  const config = (extra: Record<string, unknown> = {}) =>
    source.parseConfig({ type: 'github_repository', owner: 'upstream', repo: 'lib', set: SET, ...extra });

  it('follows the default branch: the head on the first poll, nothing while it stays, the moved head once', async () => {
    double.setDefaultBranch('trunk');
    double.setBranchHead('trunk', FIRST, Date.UTC(2026, 2, 4, 23, 30));
    const first = await source.poll(config(), {}, signal());
    expect(first.observations).toEqual([
      {
        ref: 'upstream/lib',
        version: FIRST,
        commit: FIRST,
        publishedAt: Date.UTC(2026, 2, 4, 23, 30),
        vars: { COMMIT: FIRST, SHORT: FIRST.slice(0, 12), DATE: '20260304' },
      },
    ]);
    expect(first.rejected).toEqual([]);
    expect(double.requests.map((r) => `${r.operationId} ${r.path} ${r.status}`)).toEqual([
      'repos/get /repos/upstream/lib 200',
      'repos/get-branch /repos/upstream/lib/branches/trunk 200',
    ]);

    const unchanged = await source.poll(config(), first.state, signal());
    expect(unchanged).toEqual({ observations: [], rejected: [], state: first.state, notModified: 2 });

    double.setBranchHead('trunk', MOVED, Date.UTC(2026, 2, 5, 0, 15));
    const moved = await source.poll(config(), unchanged.state, signal());
    expect(moved.observations).toEqual([
      {
        ref: 'upstream/lib',
        version: MOVED,
        commit: MOVED,
        publishedAt: Date.UTC(2026, 2, 5, 0, 15),
        vars: { COMMIT: MOVED, SHORT: 'fedcba987654', DATE: '20260305' },
      },
    ]);
    expect(moved.notModified).toBe(1);
    expect(moved.state['default-branch:upstream/lib']).toBe('trunk');
  });

  it('reads a named branch without asking for the default one; a missing branch is a TerminalError naming it', async () => {
    double.setBranchHead('release/2.x', FIRST);
    const result = await source.poll(config({ branch: 'release/2.x', set: { SOURCE_COMMIT: 'commit' } }), {}, signal());
    expect(result.observations.map((o) => o.vars)).toEqual([{ SOURCE_COMMIT: FIRST }]);
    expect(double.requests.map((r) => r.operationId)).toEqual(['repos/get-branch']);
    const missing = source.poll(config({ branch: 'gone' }), {}, signal());
    await expect(missing).rejects.toBeInstanceOf(TerminalError);
    await expect(missing).rejects.toMatchObject({
      code: 'source-not-found',
      message: expect.stringContaining('branch gone of upstream/lib') as string,
    });
  });

  it('drops a head that is not a commit id with a reason, never throwing', async () => {
    double.setBranchHead('main', '$(reboot)\u0000');
    const result = await source.poll(config({ branch: 'main' }), {}, signal());
    expect(result.observations).toEqual([]);
    expect(result.rejected).toEqual([{ value: '"$(reboot)\\u0000"', reason: 'not-a-version' }]);
  });

  it('fails like github_release: a missing repository is terminal, a rate limit retryable with its reset', async () => {
    const other = source.parseConfig({ type: 'github_repository', owner: 'upstream', repo: 'missing', set: SET });
    await expect(source.poll(other, {}, signal())).rejects.toMatchObject({
      code: 'source-not-found',
      retryable: false,
    });
    double.setBranchHead('main', FIRST);
    const reset = Math.floor(Date.now() / 1000) + 900;
    double.announceRateLimitExhausted(reset);
    const limited = source.poll(config(), {}, signal());
    await expect(limited).rejects.toBeInstanceOf(RetryableError);
    await expect(limited).rejects.toMatchObject({
      code: 'source-rate-limited',
      message: expect.stringContaining(new Date(reset * 1000).toISOString()) as string,
    });
    double.failNext({ kind: 'primary-rate-limit', resetInSeconds: 120 });
    await expect(source.poll(config({ branch: 'main' }), {}, signal())).rejects.toMatchObject({
      code: 'source-rate-limited',
      retryable: true,
    });
  });

  it('refuses a set record with a value it cannot compute or a key that is no variable name, naming the key', () => {
    expect(() => config({ set: { SOURCE_COMMIT: 'tag' } })).toThrow(
      /at set\."SOURCE_COMMIT": expected commit, short-commit, date, got "tag"/,
    );
    expect(() => config({ set: { SOURCE_COMMIT: 'commit', 'BAD-NAME': 'date' } })).toThrow(
      /at set\."BAD-NAME": expected a variable name/,
    );
    expect(() => config({ set: { '$(reboot)': 'commit' } })).toThrow(/set\."\$\(reboot\)"/);
    expect(() => config({ set: { DATE: 7 } })).toThrow(
      /at set\."DATE": expected commit, short-commit, date, got number/,
    );
    expect(() => config({ set: {} })).toThrow(/at set: expected at least one variable/);
    expect(() => config({ set: 'SOURCE_COMMIT' })).toThrow(/at set: expected a mapping/);
    expect(() => config({ set: [{ var: 'X', value: 'commit' }] })).toThrow(/at set: expected a mapping/);
    expect(() => config({ branch: '../main' })).toThrow(/at branch/);
    expect(() => config({ owner: '-bad' })).toThrow(TerminalError);
    expect(config({ set: { SOURCE_COMMIT: 'commit', SOURCE_DATE: 'date' } })).toEqual({
      owner: 'upstream',
      repo: 'lib',
      set: [
        { var: 'SOURCE_COMMIT', value: 'commit' },
        { var: 'SOURCE_DATE', value: 'date' },
      ],
    });
  });

  it('reads committer dates in UTC and refuses what is not an ISO time', () => {
    expect(dateStamp('2026-03-04T23:30:00-02:00')).toBe('20260305');
    expect(dateStamp('2026-03-04T00:00:00Z')).toBe('20260304');
    expect(dateStamp('yesterday')).toBeUndefined();
    expect(dateStamp(20260304)).toBeUndefined();
    expect(new GithubRepositorySource({}).kind).toBe('github_repository');
  });
});
