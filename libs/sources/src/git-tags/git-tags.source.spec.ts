import { TerminalError } from '@patch-factory/contracts';
import { createCatalogOrigin, type CatalogOrigin } from '@patch-factory/testing';
import { assertSafeRemoteUrl } from './git-remote-url';
import { GitTagsSource, parseLsRemoteTags } from './git-tags.source';

describe('git_tags source', () => {
  let origin: CatalogOrigin;
  const source = new GitTagsSource({ git: { timeoutMs: 30_000 } });
  const signal = () => AbortSignal.timeout(30_000);

  beforeEach(() => {
    origin = createCatalogOrigin({ 'README.md': 'upstream\n' });
  });
  afterEach(() => {
    origin.cleanup();
  });

  it('lists lightweight and annotated tags of a real bare repository, peeling annotated tags to their commit', async () => {
    const first = origin.head('main') ?? '';
    const second = origin.commit('main', { VERSION: '1.1.0\n' });
    origin.git(['update-ref', 'refs/tags/v1.0.0', first]);
    origin.git(['tag', '-a', 'v1.1.0', '-m', 'release 1.1.0', second]);
    origin.git(['update-ref', 'refs/tags/nightly', second]);
    origin.git(['update-ref', 'refs/tags/v2.0.0-rc1', second]);
    const tagObject = origin.refs()['refs/tags/v1.1.0'];
    expect(tagObject).not.toBe(second);

    const cfg = source.parseConfig({
      type: 'git_tags',
      url: origin.dir,
      match: '^v(\\d+\\.\\d+\\.\\d+)$',
      set: [
        { var: 'V', value: 'tag' },
        { var: 'C', value: 'commit' },
      ],
    });
    const result = await source.poll(cfg, {}, signal());
    expect(result.observations).toEqual([
      { ref: origin.dir, version: '1.0.0', commit: first, vars: { V: 'v1.0.0', C: first } },
      { ref: origin.dir, version: '1.1.0', commit: second, vars: { V: 'v1.1.0', C: second } },
    ]);
    expect(result).toMatchObject({ rejected: [], notModified: 0, state: {} });

    const all = await source.poll(
      source.parseConfig({ type: 'git_tags', url: `file://${origin.dir}`, set: 'VERSION' }),
      {},
      signal(),
    );
    expect(all.observations.map((o) => o.version)).toEqual(['1.0.0', '1.1.0', '2.0.0-rc1']);
    expect(all.rejected).toEqual([{ value: '"nightly"', reason: 'not-a-version' }]);
  });

  it('fails retryably when the remote cannot be listed', async () => {
    const cfg = source.parseConfig({ type: 'git_tags', url: `${origin.root}/missing.git`, set: 'VERSION' });
    await expect(source.poll(cfg, {}, signal())).rejects.toMatchObject({ code: 'source-unavailable', retryable: true });
  });

  it('accepts only absolute paths, file://, https:// and ssh:// remotes', () => {
    for (const ok of [
      '/srv/git/x.git',
      'file:///srv/git/x.git',
      'https://github.com/o/r.git',
      'ssh://git@example.com/o/r.git',
    ])
      expect(assertSafeRemoteUrl(ok)).toBe(ok);
    for (const bad of [
      '-uoops',
      '--upload-pack=touch /tmp/x',
      'ext::sh -c touch% /tmp/x',
      'git@github.com:o/r.git',
      'http://example.com/r.git',
      'relative/path',
      'ssh://-oProxyCommand=x/r',
      'ssh://-x@host/r',
      'https://host/r\n',
      'file://host/r',
    ]) {
      expect(() => assertSafeRemoteUrl(bad)).toThrow(TerminalError);
    }
    expect(() => source.parseConfig({ type: 'git_tags', url: '-x', set: 'V' })).toThrow(/refused/);
  });

  it('parses ls-remote output defensively', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const tags = parseLsRemoteTags(
      [`${a}\trefs/tags/v1`, `${b}\trefs/tags/v1^{}`, `${a}\trefs/heads/main`, 'garbage', `${a}\trefs/tags/v2`].join(
        '\n',
      ),
    );
    expect([...tags]).toEqual([
      ['v1', b],
      ['v2', a],
    ]);
  });
});
