import { startTestAptRepo, type TestAptRepo } from '@patch-factory/testing';
import { createSource } from '../source-registry';

describe('debian_package source (a real signed APT repository on 127.0.0.1)', () => {
  let repo: TestAptRepo;
  beforeAll(async () => {
    repo = await startTestAptRepo();
    repo.writeSuite('stable', { forms: ['xz'] });
    repo.writeSuite('forged', { signer: 'other' });
  }, 120_000);
  afterAll(() => repo?.close());

  const source = createSource('debian_package');
  const config = (extra: Record<string, unknown> = {}) =>
    source.parseConfig({
      type: 'debian_package',
      package: 'hello-pf',
      set: 'VERSION',
      repository: repo.baseUrl,
      suite: 'stable',
      keyring: repo.keyring,
      ...extra,
    });
  const signal = new AbortController().signal;

  it('reports the newest version of the package (dpkg order) and what the set variable takes', async () => {
    const result = await source.poll(config(), {}, signal);
    expect(result.observations).toEqual([
      { ref: 'pkg:deb/debian/hello-pf', version: '1.0-2', vars: { VERSION: '1.0-2' } },
    ]);
    expect(result.state['release-date']).toMatch(/^\d+$/);
    // The same Release again: nothing re-read, nothing reported.
    const again = await source.poll(config(), result.state, signal);
    expect(again).toMatchObject({ observations: [], notModified: 1 });
  });

  it("takes the package in the catalog format's own form, a purl (as a definition's track: entry writes it)", async () => {
    const result = await source.poll(config({ package: 'pkg:deb/debian/hello-pf' }), {}, signal);
    expect(result.observations).toEqual([
      { ref: 'pkg:deb/debian/hello-pf', version: '1.0-2', vars: { VERSION: '1.0-2' } },
    ]);
    expect(
      source.parseConfig({
        type: 'debian_package',
        package: 'pkg:deb/ubuntu/redis-server@7.0.15-1?arch=amd64',
        set: 'V',
        repository: 'http://127.0.0.1/',
        suite: 's',
        keyring: '/k',
      }),
    ).toMatchObject({ package: 'redis-server', purl: 'pkg:deb/ubuntu/redis-server' });
    expect(() =>
      source.parseConfig({
        type: 'debian_package',
        package: 'pkg:deb/debian/Bad%20Name',
        set: 'V',
        repository: 'http://127.0.0.1/',
        suite: 's',
        keyring: '/k',
      }),
    ).toThrow(/at package: expected a purl such as pkg:deb\/debian\/openssl/);
    expect(() =>
      source.parseConfig({
        type: 'debian_package',
        package: 'pkg:deb/debian/',
        set: 'V',
        repository: 'http://127.0.0.1/',
        suite: 's',
        keyring: '/k',
      }),
    ).toThrow(/at package/);
  });

  it('keeps an epoch and a tilde in the version', async () => {
    const result = await source.poll(config({ package: 'tool-pf' }), {}, signal);
    expect(result.observations.map((o) => o.version)).toEqual(['2:0.9~rc1-1']);
  });

  it('refuses a Release signed by a key outside the keyring', async () => {
    await expect(source.poll(config({ suite: 'forged' }), {}, signal)).rejects.toMatchObject({
      code: 'apt-signature-unknown-key',
    });
  });

  it('refuses a config that names no keyring or a bad package name, naming the field', () => {
    expect(() =>
      source.parseConfig({
        type: 'debian_package',
        package: 'Bad Name',
        set: 'V',
        repository: 'http://127.0.0.1/',
        suite: 's',
        keyring: '/k',
      }),
    ).toThrow(/package/);
    expect(() =>
      source.parseConfig({
        type: 'debian_package',
        package: 'x',
        set: 'V',
        repository: 'http://127.0.0.1/',
        suite: 's',
        keyring: 'relative',
      }),
    ).toThrow(/keyring/);
  });
});
