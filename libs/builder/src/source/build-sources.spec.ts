import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '@patch-factory/contracts';
import {
  startDebianMirrorFixture,
  startTestAptRepo,
  type DebianMirrorFixture,
  type TestAptRepo,
} from '@patch-factory/testing';
import { expectRejection } from '../expect-pipeline-error.fixture';
import { resolvePackages } from '../resolve/dependency-resolver';
import { loadRepositoryIndex, type BuildSourcesOptions } from './build-sources';
import { parsedIndexCache } from './parsed-index-cache';

/** A real signed repository made by the test (dpkg-deb, gpg), on 127.0.0.1: keyrings in its root. */
let repo: TestAptRepo;
beforeAll(async () => {
  repo = await startTestAptRepo();
  for (const suite of ['good', 'again', 'tampered']) repo.writeSuite(suite);
  repo.writeSuite('other-signer', { signer: 'other' });
}, 120_000);
afterAll(async () => {
  await repo?.close();
});

const opts = (extra: Partial<BuildSourcesOptions> = {}): BuildSourcesOptions => ({
  keyringDir: repo.root,
  fetch: { timeoutMs: 10_000 },
  ...extra,
});
const line = (suite: string, options = '[signed-by=repo-keyring.gpg]', components = 'main') =>
  `deb ${options} ${repo.baseUrl} ${suite} ${components}`;

describe('loadRepositoryIndex on a signed test repository', () => {
  it('verifies the Release, loads the index and gives download URLs', async () => {
    const loaded = await loadRepositoryIndex([line('good')], 'amd64', opts());
    expect(loaded.index.size).toBe(3);
    expect(loaded.index.byName.get('hello-pf')?.map((p) => p.Version)).toEqual(['1.0-2', '1.0-1']);
    const tool = loaded.index.byName.get('tool-pf')?.[0];
    expect(tool && loaded.urlOf(tool)).toBe(`${repo.baseUrl}pool/main/t/tool-pf/tool-pf_0.9~rc1-1_amd64.deb`);
    expect(loaded.key).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded.releases).toEqual([
      { url: `${repo.baseUrl}dists/good/InRelease`, fingerprints: [expect.stringMatching(/^[0-9A-F]{40}$/)] },
    ]);
    expect(() => loaded.urlOf({ Package: 'x', Version: '1', Architecture: 'amd64', line: 1 })).toThrow(
      'x 1 is not a package of this repository index',
    );
  });

  it('gives equal keys for the same signed content, different ones for other lines', async () => {
    const a = await loadRepositoryIndex([line('good')], 'amd64', opts());
    const b = await loadRepositoryIndex([line('good')], 'amd64', opts());
    const other = await loadRepositoryIndex([line('again')], 'amd64', opts());
    expect(b.key).toBe(a.key);
    expect(other.key).not.toBe(a.key);
    // Same content under another suite: one copy of each package in the index.
    const both = await loadRepositoryIndex([line('good'), line('again')], 'amd64', opts());
    expect(both.index.size).toBe(3);
    expect(both.releases).toHaveLength(2);
    expect(both.key).not.toBe(a.key);
  });

  it('reuses a parsed index while the signed Release is unchanged (the Release itself is always verified)', async () => {
    parsedIndexCache.clear();
    const first = await loadRepositoryIndex([line('tampered')], 'amd64', opts());
    // The Packages files change on the server but the signed Release does not: the cached parse is used.
    for (const form of ['', '.gz', '.xz'])
      writeFileSync(join(repo.root, 'www/dists/tampered/main/binary-amd64', `Packages${form}`), 'Package: evil\n');
    const second = await loadRepositoryIndex([line('tampered')], 'amd64', opts());
    expect(second.key).toBe(first.key);
    expect(second.index.size).toBe(3);
    // Without the cache, the changed file is refused against the signed Release, the line named.
    parsedIndexCache.clear();
    await expectRejection(
      loadRepositoryIndex([line('tampered')], 'amd64', opts()),
      'apt-index-size-mismatch',
      `contents.repositories[0] (${repo.baseUrl.replace(/\/$/, '')} tampered): `,
    );
  });

  it('uses the default keyring for a line without signed-by=', async () => {
    const loaded = await loadRepositoryIndex([line('good', '')], 'amd64', opts({ defaultKeyring: 'repo-keyring.gpg' }));
    expect(loaded.index.size).toBe(3);
  });

  it('takes only the base name of an absolute signed-by= path, inside the keyring directory', async () => {
    const loaded = await loadRepositoryIndex(
      [line('good', '[signed-by=/usr/share/keyrings/repo-keyring.gpg]')],
      'amd64',
      opts(),
    );
    expect(loaded.index.size).toBe(3);
  });

  it('uses the lines that serve the architecture', async () => {
    const loaded = await loadRepositoryIndex(
      [
        line('nowhere', '[arch=arm64 signed-by=repo-keyring.gpg]'),
        line('good', '[arch=amd64,arm64 signed-by=repo-keyring.gpg]'),
      ],
      'amd64',
      opts(),
    );
    expect(loaded.releases).toHaveLength(1);
    await expectRejection(
      loadRepositoryIndex([line('good', '[arch=arm64]')], 'amd64', opts()),
      'build-repository-invalid',
      'no line of contents.repositories serves amd64',
    );
  });
});

describe('loadRepositoryIndex refuses', () => {
  it('a line without signed-by= when there is no default keyring', async () => {
    await expectRejection(
      loadRepositoryIndex(
        [line('good'), line('good', '')],
        'amd64',
        opts(),
        'images/redis.yaml: contents.repositories',
      ),
      'build-keyring-missing',
      'images/redis.yaml: contents.repositories[1] has no signed-by= and no default keyring is configured',
    );
  });

  it('a keyring that is not in the keyring directory, even when it exists elsewhere', async () => {
    await expectRejection(
      loadRepositoryIndex(
        [line('good', '[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]')],
        'amd64',
        opts(),
      ),
      'build-keyring-missing',
      `contents.repositories[0]: its signed-by=/usr/share/keyrings/debian-archive-keyring.gpg names debian-archive-keyring.gpg, which is not a file in the trusted keyring directory ${repo.root}`,
    );
    await expectRejection(
      loadRepositoryIndex([line('good', '[signed-by=missing.gpg]')], 'amd64', opts()),
      'build-keyring-missing',
      'names missing.gpg, which is not a file',
    );
    await expectRejection(
      loadRepositoryIndex([line('good', '[signed-by=www]')], 'amd64', opts()),
      'build-keyring-missing',
      'names www, which is not a file',
    );
    await expectRejection(
      loadRepositoryIndex([line('good', '')], 'amd64', opts({ defaultKeyring: 'nope.gpg' })),
      'build-keyring-missing',
      'the default keyring names nope.gpg',
    );
    await expectRejection(
      loadRepositoryIndex([line('good', '')], 'amd64', opts({ defaultKeyring: '../repo-keyring.gpg' })),
      'build-repository-invalid',
      'default keyring "../repo-keyring.gpg"',
    );
  });

  it('a keyring path that climbs out of the directory', async () => {
    await expectRejection(
      loadRepositoryIndex([line('good', '[signed-by=../pf-apt/repo-keyring.gpg]')], 'amd64', opts()),
      'build-repository-invalid',
      'contents.repositories[0]: signed-by=',
    );
  });

  it('a Release signed by a key of another keyring, naming the line', async () => {
    await expectRejection(
      loadRepositoryIndex([line('good'), line('other-signer')], 'amd64', opts()),
      'apt-signature-unknown-key',
      'contents.repositories[1] (',
    );
  });

  it('a component the Release does not list', async () => {
    await expectRejection(
      loadRepositoryIndex([line('good', undefined, 'main contrib')], 'amd64', opts()),
      'apt-index-not-listed',
      'contents.repositories[0] (',
    );
  });

  // Plain http itself is accepted on any host (http-repository.spec.ts); credentials are not.
  it('credentials in a plain http URL (before any request)', async () => {
    await expectRejection(
      loadRepositoryIndex(
        ['deb [signed-by=repo-keyring.gpg] http://user:secret@archive.example.org/debian bookworm main'],
        'amd64',
        opts(),
      ),
      'build-repository-invalid',
      'contents.repositories[0]: archive.example.org: credentials in a repository URL are refused',
    );
  });

  it('an unreachable repository as retryable', async () => {
    const caught = await loadRepositoryIndex(
      ['deb [signed-by=repo-keyring.gpg] http://127.0.0.1:9/debian bookworm main'],
      'amd64',
      opts(),
    ).catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(PipelineError);
    expect((caught as PipelineError).code).toBe('apt-unreachable');
    expect((caught as PipelineError).retryable).toBe(true);
    expect((caught as PipelineError).message).toContain(
      'contents.repositories[0] (http://127.0.0.1:9/debian bookworm): ',
    );
  });

  it('no lines, a bad architecture, a bad line (by its index)', async () => {
    await expectRejection(
      loadRepositoryIndex([], 'amd64', opts()),
      'build-repository-invalid',
      'contents.repositories is empty',
    );
    await expectRejection(
      loadRepositoryIndex([line('good')], '../amd64', opts()),
      'build-repository-invalid',
      'architecture "../amd64"',
    );
    await expectRejection(
      loadRepositoryIndex([line('good'), 'deb [trusted=yes] https://evil.test/ x main'], 'amd64', opts()),
      'build-repository-invalid',
      'contents.repositories[1]: option trusted=',
    );
  });
});

describe('loadRepositoryIndex on the Debian mirror fixture (real bookworm packages), through a mirror mapping', () => {
  let mirror: DebianMirrorFixture;
  beforeAll(async () => {
    mirror = await startDebianMirrorFixture({
      packages: ['base-files', 'tzdata', 'ca-certificates', 'netbase', 'redis-server'],
      architectures: ['amd64', 'arm64'],
    });
  }, 900_000);
  afterAll(async () => {
    await mirror?.close();
  });

  const lines = () => [
    `deb [signed-by=/usr/share/keyrings/${mirror.keyringName}] https://deb.debian.org/debian bookworm main`,
  ];
  const mirrored = (): BuildSourcesOptions => ({
    keyringDir: mirror.keyringDir,
    mirrors: { 'https://deb.debian.org/debian': mirror.baseUrl },
    fetch: { timeoutMs: 10_000 },
  });

  it.each([['amd64'], ['arm64']])(
    'reads the %s index, resolves redis-server in it and gives mirror URLs',
    async (arch) => {
      const loaded = await loadRepositoryIndex(lines(), arch, mirrored());
      expect([...loaded.index.byName.keys()].sort()).toEqual(mirror.packageNames(arch));
      const { packages } = resolvePackages(['redis-server', 'ca-certificates'], loaded.index, { architecture: arch });
      expect(packages.map((p) => p.Package)).toContain('libssl3');
      // `+` is sent as %2B, as apt does (some mirrors read a bare + as a space).
      for (const p of packages)
        expect(decodeURIComponent(loaded.urlOf(p))).toMatch(
          new RegExp(`^${mirror.baseUrl}/pool/main/${p.Package.replace(/[+.]/g, '\\$&')}/[^/]+_(${arch}|all)\\.deb$`),
        );
      expect(packages.some((p) => loaded.urlOf(p).includes('%2B'))).toBe(true);
      expect(loaded.releases[0]?.url).toBe(`${mirror.baseUrl}/dists/bookworm/InRelease`);
    },
  );

  it('gives different keys per architecture, the same key for the same Release', async () => {
    const amd64 = await loadRepositoryIndex(lines(), 'amd64', mirrored());
    const arm64 = await loadRepositoryIndex(lines(), 'arm64', mirrored());
    expect(amd64.key).not.toBe(arm64.key);
    expect((await loadRepositoryIndex(lines(), 'amd64', mirrored())).key).toBe(amd64.key);
  });

  it('refuses the mirror when the line trusts a keyring the operator does not have', async () => {
    await expectRejection(
      loadRepositoryIndex(
        ['deb [signed-by=debian-archive-keyring.gpg] https://deb.debian.org/debian bookworm main'],
        'amd64',
        mirrored(),
      ),
      'build-keyring-missing',
      'debian-archive-keyring.gpg, which is not a file in the trusted keyring directory',
    );
  });

  it('refuses a Release the keyring of the line did not sign, naming the line and the mirror', async () => {
    await expectRejection(
      loadRepositoryIndex(['deb [signed-by=other-keyring.gpg] https://deb.debian.org/debian bookworm main'], 'amd64', {
        ...mirrored(),
        keyringDir: repo.root,
      }),
      'apt-signature-unknown-key',
      `contents.repositories[0] (https://deb.debian.org/debian via mirror ${mirror.baseUrl} bookworm): `,
    );
  });
});
