import { startGithubDouble, type GithubDouble } from '@patch-factory/testing';
import { createSource } from '../source-registry';
import type { Source } from '../source';

const TOKEN = 'ghp_sources_token';

describe('github_tag source', () => {
  let double: GithubDouble;
  let source: Source<unknown>;
  const signal = () => AbortSignal.timeout(30_000);

  beforeEach(async () => {
    double = await startGithubDouble({ token: TOKEN, owner: 'upstream', repo: 'lib' });
    source = createSource('github_tag', { github: { token: TOKEN, baseUrl: double.url } });
  });
  afterEach(async () => {
    double.assertNoViolations();
    await double.close();
  });

  it('extracts versions with match and sets each variable, with the commit of the tag', async () => {
    const a = double.addTag('lib-1.2.3', 'a'.repeat(40));
    double.addTag('lib-1.3.0-beta');
    double.addTag('other-9.9.9');
    const b = double.addTag('lib-1.4.0');
    const cfg = source.parseConfig({
      type: 'github_tag',
      owner: 'upstream',
      repo: 'lib',
      match: '^lib-(\\d+\\.\\d+\\.\\d+)$',
      set: [
        { var: 'LIB_VERSION', value: 'tag', match: '^lib-(.*)$' },
        { var: 'LIB_COMMIT', value: 'commit' },
      ],
    });
    const result = await source.poll(cfg, {}, signal());
    expect(result.observations).toEqual([
      { ref: 'upstream/lib', version: '1.4.0', commit: b.sha, vars: { LIB_VERSION: '1.4.0', LIB_COMMIT: b.sha } },
      { ref: 'upstream/lib', version: '1.2.3', commit: a.sha, vars: { LIB_VERSION: '1.2.3', LIB_COMMIT: a.sha } },
    ]);
    expect(result.rejected).toEqual([]);
  });

  it('gets 304 with the saved state, and drops hostile tags with reasons', async () => {
    double.addTag('v1.0.0');
    double.addTag('x'.repeat(10_000));
    double.addTag('v2.0.0\u0000');
    double.addTag('v2.0.0 ; rm -rf /');
    const cfg = source.parseConfig({
      type: 'github_tag',
      owner: 'upstream',
      repo: 'lib',
      match: '^v(.+)$',
      set: 'VERSION',
    });
    const first = await source.poll(cfg, {}, signal());
    expect(first.observations.map((o) => o.vars)).toEqual([{ VERSION: '1.0.0' }]);
    expect(first.rejected.map((r) => r.reason)).toEqual(['unsafe-characters', 'control-character', 'too-long']);
    const second = await source.poll(cfg, first.state, signal());
    expect(second).toMatchObject({ observations: [], rejected: [], notModified: 1 });
  });

  it('does not send a tampered ETag from the state', async () => {
    double.addTag('v1.0.0');
    const cfg = source.parseConfig({
      type: 'github_tag',
      owner: 'upstream',
      repo: 'lib',
      match: '^v(.+)$',
      set: 'VERSION',
    });
    const result = await source.poll(cfg, { 'etag:tags:upstream/lib:1': 'W/"x"\r\nX-Evil: 1' }, signal());
    expect(result.observations).toHaveLength(1);
  });
});
