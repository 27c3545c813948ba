import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestAptRepo, type TestAptRepo } from '@patch-factory/testing';
import { expectRejection } from '../expect-pipeline-error.fixture';
import { loadRepositoryIndex, type BuildSourcesOptions } from './build-sources';
import { PackageCache, fetchAll } from './package-cache';
import { parsedIndexCache } from './parsed-index-cache';

/**
 * A build's sources over plain http from a host that is not loopback by name: the test
 * repository (real .debs, a real gpg key) reached at the IPv4-mapped IPv6 address of
 * 127.0.0.1, `[::ffff:7f00:1]`. The connection stays on this machine, but the old rule (https,
 * or http only to 127.0.0.0/8, ::1 or localhost) refused it like any other http host; a
 * definition's line names `http://archive.example.org/debian` and the operator's mirror map
 * sends it there, as PF_BUILD_MIRRORS does. What makes http safe is shown by tampering:
 * the Release's signature, the index's SHA256 in the Release and the .deb's SHA256 in the
 * index, each refused with its own code.
 */
let repo: TestAptRepo;
let plainHttp: string;
let cacheDir: string;
const ARCHIVE = 'http://archive.example.org/debian';

beforeAll(async () => {
  repo = await startTestAptRepo();
  plainHttp = new URL(repo.baseUrl.replace('http://127.0.0.1:', 'http://[::ffff:127.0.0.1]:')).href.replace(/\/$/, '');
  expect(new URL(plainHttp).hostname).toBe('[::ffff:7f00:1]');
}, 120_000);
afterAll(async () => {
  await repo?.close();
});
beforeEach(() => {
  parsedIndexCache.clear();
  cacheDir = mkdtempSync(join(tmpdir(), 'pf-http-repository-'));
});
afterEach(() => {
  rmSync(cacheDir, { recursive: true, force: true });
});

const opts = (extra: Partial<BuildSourcesOptions> = {}): BuildSourcesOptions => ({
  keyringDir: repo.root,
  mirrors: { [ARCHIVE]: plainHttp },
  fetch: { timeoutMs: 10_000 },
  ...extra,
});
const line = (suite: string, url = ARCHIVE) =>
  `deb [signed-by=/usr/share/keyrings/repo-keyring.gpg] ${url} ${suite} main`;
const www = (path: string) => join(repo.root, 'www', path);

async function fetchEverything(suite: string) {
  const loaded = await loadRepositoryIndex([line(suite)], 'amd64', opts());
  const packages = [...loaded.index.byName.values()].map((versions) => versions[0] as (typeof versions)[number]);
  return {
    loaded,
    fetched: await fetchAll(packages, (pkg) => loaded.urlOf(pkg), new PackageCache(cacheDir), {
      fetch: { timeoutMs: 10_000 },
    }),
  };
}

describe('a build over plain http', () => {
  it('verifies the Release, loads the index and downloads every package from an http host', async () => {
    repo.writeSuite('http-good');
    const { loaded, fetched } = await fetchEverything('http-good');
    expect(loaded.releases).toEqual([
      { url: `${plainHttp}/dists/http-good/InRelease`, fingerprints: [expect.stringMatching(/^[0-9A-F]{40}$/)] },
    ]);
    expect([...fetched.debs.keys()].sort()).toEqual(['hello-pf', 'tool-pf']);
    expect(fetched.misses).toBe(2);
    const tool = loaded.index.byName.get('tool-pf')?.[0];
    expect(tool && loaded.urlOf(tool)).toMatch(
      /^http:\/\/\[::ffff:7f00:1\]:\d+\/pool\/main\/t\/tool-pf\/tool-pf_0\.9~rc1-1_amd64\.deb$/,
    );
    // The line itself may be the http host too, without a mirror.
    const direct = await loadRepositoryIndex([line('http-good', plainHttp)], 'amd64', opts({ mirrors: {} }));
    expect(direct.index.size).toBe(3);
  });

  it('a tampered Release (signature no longer matches): apt-signature-bad, naming the line', async () => {
    const dir = repo.writeSuite('http-bad-release');
    writeFileSync(
      join(dir, 'InRelease'),
      readFileSync(join(dir, 'InRelease'), 'utf8').replace('Origin: PF Test', 'Origin: PF Evil'),
    );
    await expectRejection(
      fetchEverything('http-bad-release'),
      'apt-signature-bad',
      `contents.repositories[0] (${ARCHIVE} via mirror ${plainHttp}`,
    );
  });

  it('a Release detached from its signature and changed: apt-signature-bad', async () => {
    const dir = repo.writeSuite('http-bad-detached', { inRelease: false });
    writeFileSync(
      join(dir, 'Release'),
      readFileSync(join(dir, 'Release'), 'utf8').replace('Label: PF Test', 'Label: PF Evil'),
    );
    await expectRejection(fetchEverything('http-bad-detached'), 'apt-signature-bad', 'BAD signature');
  });

  it("another suite's signed Release served in its place: apt-release-suite-mismatch", async () => {
    const other = repo.writeSuite('http-other-suite');
    const dir = repo.writeSuite('http-swapped');
    writeFileSync(join(dir, 'InRelease'), readFileSync(join(other, 'InRelease')));
    await expectRejection(
      fetchEverything('http-swapped'),
      'apt-release-suite-mismatch',
      'not of the suite "http-swapped"',
    );
  });

  it('a tampered index (same size, other bytes): apt-index-checksum-mismatch', async () => {
    const dir = repo.writeSuite('http-bad-index', { forms: ['none'] });
    const path = join(dir, 'main/binary-amd64/Packages');
    const text = readFileSync(path, 'utf8');
    const evil = text.replace('Version: 1.0-2', 'Version: 1.0-9');
    expect(evil.length).toBe(text.length);
    writeFileSync(path, evil);
    await expectRejection(
      fetchEverything('http-bad-index'),
      'apt-index-checksum-mismatch',
      'but the signed Release says',
    );
  });

  it('a tampered package (same size, other bytes): build-checksum-mismatch, and nothing is cached', async () => {
    repo.writeSuite('http-bad-deb');
    const path = www('pool/main/t/tool-pf/tool-pf_0.9~rc1-1_amd64.deb');
    const good = readFileSync(path);
    const evil = Buffer.from(good);
    evil[evil.length - 1] = (evil[evil.length - 1] ?? 0) ^ 0xff;
    writeFileSync(path, evil);
    try {
      await expectRejection(
        fetchEverything('http-bad-deb'),
        'build-checksum-mismatch',
        'tool-pf 2:0.9~rc1-1 has SHA256',
      );
      const loaded = await loadRepositoryIndex([line('http-bad-deb')], 'amd64', opts());
      const sha256 = loaded.index.byName.get('tool-pf')?.[0]?.SHA256 ?? '';
      expect(sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(existsSync(new PackageCache(cacheDir).pathOf(sha256))).toBe(false);
    } finally {
      writeFileSync(path, good);
    }
  });

  it('still refuses credentials in an http URL, trusted=yes and a line with no keyring', async () => {
    repo.writeSuite('http-lines');
    await expectRejection(
      loadRepositoryIndex([line('http-lines', 'http://user:secret@archive.example.org/debian')], 'amd64', opts()),
      'build-repository-invalid',
      'credentials in a repository URL are refused',
    );
    await expectRejection(
      loadRepositoryIndex([`deb [trusted=yes] ${ARCHIVE} http-lines main`], 'amd64', opts()),
      'build-repository-invalid',
      'would weaken the signature checks',
    );
    await expectRejection(
      loadRepositoryIndex([`deb ${ARCHIVE} http-lines main`], 'amd64', opts()),
      'build-keyring-missing',
      'has no signed-by=',
    );
    // A mirror with credentials is refused too: it would send them in clear.
    await expectRejection(
      loadRepositoryIndex(
        [line('http-lines')],
        'amd64',
        opts({ mirrors: { [ARCHIVE]: plainHttp.replace('http://', 'http://u:p@') } }),
      ),
      'build-repository-invalid',
      'without query, fragment or credentials',
    );
  });
});
