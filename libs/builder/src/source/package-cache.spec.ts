import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '@patch-factory/contracts';
import { parsePackages, type DebianPackage } from '@patch-factory/debian';
import {
  startDebianMirrorFixture,
  startTestAptRepo,
  type DebianMirrorFixture,
  type TestAptRepo,
} from '@patch-factory/testing';
import { expectRejection } from '../expect-pipeline-error.fixture';
import { resolvePackages } from '../resolve/dependency-resolver';
import { loadRepositoryIndex } from './build-sources';
import { startCountingServer, type CountingServer } from './counting-server.fixture';
import { PackageCache, fetchAll } from './package-cache';

/** Real .debs (dpkg-deb) and their index entries from the test repository, served by a counting server. */
let repo: TestAptRepo;
let server: CountingServer;
let debs: { pkg: DebianPackage; data: Buffer; path: string }[];
let dir: string;
beforeAll(async () => {
  repo = await startTestAptRepo();
  server = await startCountingServer();
  debs = parsePackages(repo.packagesText).packages.map((pkg) => ({
    pkg,
    data: readFileSync(join(repo.root, 'www', pkg.Filename ?? '')),
    path: `/${pkg.Filename ?? ''}`,
  }));
}, 120_000);
afterAll(async () => {
  await server?.close();
  await repo?.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pf-package-cache-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The i-th test package, served from a path of its own (so counts do not mix between tests). */
function served(i: number, tag: string, route: { body?: Buffer; status?: number; delayMs?: number } = {}) {
  const deb = debs[i] as (typeof debs)[number];
  const path = `/${tag}${deb.path}`;
  server.route(path, { body: deb.data, ...route });
  return { pkg: deb.pkg, data: deb.data, path, url: `${server.url}${path}` };
}

const entries = (d: string) => (existsSync(join(d, 'sha256')) ? readdirSync(join(d, 'sha256')) : []);

describe('PackageCache.get', () => {
  it('downloads on a miss, then serves the verified file from disk', async () => {
    const { pkg, data, path, url } = served(0, 'miss-hit');
    const cache = new PackageCache(dir);
    const first = await cache.get(pkg, url);
    expect(first.hit).toBe(false);
    expect(first.data.equals(data)).toBe(true);
    expect(readFileSync(join(dir, 'sha256', pkg.SHA256 ?? '')).equals(data)).toBe(true);
    const second = await new PackageCache(dir).get(pkg, url);
    expect(second).toEqual({ data, hit: true });
    expect(server.count(path)).toBe(1);
    expect(entries(dir)).toEqual([pkg.SHA256]);
  });

  it('deletes a damaged cache file and downloads the package again', async () => {
    const { pkg, data, path, url } = served(1, 'corrupt');
    const cache = new PackageCache(dir);
    await cache.get(pkg, url);
    const file = join(dir, 'sha256', pkg.SHA256 ?? '');
    const flipped = Buffer.from(data);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 0xff;
    writeFileSync(file, flipped);
    expect(await cache.get(pkg, url)).toEqual({ data, hit: false });
    writeFileSync(file, data.subarray(0, 100));
    expect(await cache.get(pkg, url)).toEqual({ data, hit: false });
    expect(readFileSync(file).equals(data)).toBe(true);
    expect(server.count(path)).toBe(3);
  });

  it('refuses bytes from the server that are not the index entry, and keeps nothing', async () => {
    const { pkg, data, url } = served(2, 'mismatch');
    const tampered = Buffer.from(data);
    tampered[200] = (tampered[200] ?? 0) ^ 0x01;
    server.route(new URL(url).pathname, { body: tampered });
    await expectRejection(
      new PackageCache(dir).get(pkg, url),
      'build-checksum-mismatch',
      `downloading ${url}: tool-pf 2:0.9~rc1-1 has SHA256 `,
    );
    server.route(new URL(url).pathname, { body: Buffer.concat([data, Buffer.from('x')]) });
    await expectRejection(
      new PackageCache(dir).get(pkg, url),
      'build-checksum-mismatch',
      `sends more than the ${data.length} bytes the index gives`,
    );
    server.route(new URL(url).pathname, { body: data.subarray(1) });
    await expectRejection(
      new PackageCache(dir).get(pkg, url),
      'build-checksum-mismatch',
      `is ${data.length - 1} bytes but the index says ${data.length}`,
    );
    expect(entries(dir)).toEqual([]);
  });

  it('refuses bytes changed in the repository itself (the fixture pool file tampered)', async () => {
    const deb = debs[0] as (typeof debs)[number];
    const file = join(repo.root, 'www', deb.pkg.Filename ?? '');
    const url = `${repo.baseUrl}${deb.pkg.Filename ?? ''}`;
    writeFileSync(file, Buffer.alloc(deb.data.length, 0x41));
    try {
      await expectRejection(
        new PackageCache(dir).get(deb.pkg, url),
        'build-checksum-mismatch',
        'hello-pf 1.0-1 has SHA256',
      );
      expect(entries(dir)).toEqual([]);
    } finally {
      writeFileSync(file, deb.data);
    }
  });

  it('shares one download between gets of the same package at the same time', async () => {
    const { pkg, data, path, url } = served(0, 'concurrent', { delayMs: 200 });
    const cache = new PackageCache(dir);
    const got = await Promise.all(Array.from({ length: 6 }, () => cache.get(pkg, url)));
    expect(server.count(path)).toBe(1);
    for (const g of got) expect(g.data.equals(data)).toBe(true);
    expect((await cache.get(pkg, url)).hit).toBe(true);
    expect(server.count(path)).toBe(1);
  });

  it('refuses a package without SHA256 in its index before any request', async () => {
    const { pkg, path, url } = served(0, 'no-sha');
    const bare: DebianPackage = { ...pkg };
    delete bare.SHA256;
    await expectRejection(
      new PackageCache(dir).get(bare, url),
      'build-checksum-missing',
      'the index gives no SHA256 for hello-pf 1.0-1',
    );
    expect(server.count(path)).toBe(0);
  });

  it('says what is wrong with the mirror: 404 and 403 terminal, 5xx and no answer retryable', async () => {
    const { pkg } = served(0, 'status');
    const cache = new PackageCache(dir);
    await expectRejection(
      cache.get(pkg, `${server.url}/missing.deb`),
      'build-package-unavailable',
      `hello-pf 1.0-1 from ${server.url}/missing.deb: the mirror does not have it (HTTP 404)`,
    );
    server.route('/forbidden.deb', { status: 403 });
    await expectRejection(cache.get(pkg, `${server.url}/forbidden.deb`), 'build-package-unavailable', 'HTTP 403');
    server.route('/busy.deb', { status: 503 });
    const busy = await cache.get(pkg, `${server.url}/busy.deb`).catch((e: unknown) => e);
    expect(busy).toMatchObject({ code: 'build-download-failed', retryable: true });
    expect((busy as Error).message).toContain(`hello-pf 1.0-1 from ${server.url}/busy.deb: `);
    const down = await cache.get(pkg, 'http://127.0.0.1:9/x.deb').catch((e: unknown) => e);
    expect(down).toBeInstanceOf(PipelineError);
    expect(down).toMatchObject({ code: 'build-download-failed', retryable: true });
    await expectRejection(
      cache.get(pkg, 'file:///srv/x.deb'),
      'apt-url-refused',
      'hello-pf 1.0-1 from file:///srv/x.deb: ',
    );
    expect(entries(dir)).toEqual([]);
  });

  it('reports a cache directory it cannot use', async () => {
    const { pkg, url } = served(0, 'unwritable');
    writeFileSync(join(dir, 'file'), 'not a directory');
    await expectRejection(
      new PackageCache(join(dir, 'file')).get(pkg, url),
      'build-cache-failed',
      `package cache ${join(dir, 'file')}: cannot read ${join(dir, 'file')}/sha256/`,
    );
    // sha256/ a dangling link: nothing to read, and no directory to write into (even as root).
    mkdirSync(join(dir, 'dangling'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling', 'sha256'));
    await expectRejection(
      new PackageCache(join(dir, 'dangling')).get(pkg, url),
      'build-cache-failed',
      `package cache ${join(dir, 'dangling')}: cannot write ${join(dir, 'dangling')}/sha256/`,
    );
  });
});

describe('fetchAll', () => {
  it('gets a list through the cache and counts hits and misses', async () => {
    const list = [served(0, 'all'), served(1, 'all'), served(2, 'all')];
    const urls = new Map(list.map((s) => [s.pkg, s.url]));
    const urlOf = (p: DebianPackage) => urls.get(p) ?? '';
    const cache = new PackageCache(dir);
    // hello-pf twice in the list with the same SHA256 is one package; two versions of it are refused.
    const first = await fetchAll([list[2]?.pkg as DebianPackage], urlOf, cache, { concurrency: 1 });
    expect([first.hits, first.misses]).toEqual([0, 1]);
    const steps: string[] = [];
    const onPackage = (name: string, done: number, total: number) => steps.push(`${name} ${done}/${total}`);
    const again = await fetchAll(
      [list[2]?.pkg as DebianPackage, list[1]?.pkg as DebianPackage, list[1]?.pkg as DebianPackage],
      urlOf,
      cache,
      { onPackage },
    );
    expect([again.hits, again.misses]).toEqual([1, 1]);
    // Progress once per distinct package in hand, a cache hit included (liveness of a long download list).
    expect(steps.map((s) => s.split(' ')[1]).sort()).toEqual(['1/2', '2/2']);
    expect(steps.map((s) => s.split(' ')[0]).sort()).toEqual(['hello-pf', 'tool-pf']);
    expect([...again.debs.keys()].sort()).toEqual(['hello-pf', 'tool-pf']);
    expect(again.debs.get('tool-pf')?.equals(list[2]?.data ?? Buffer.alloc(0))).toBe(true);
    await expectRejection(
      fetchAll([list[0]?.pkg as DebianPackage, list[1]?.pkg as DebianPackage], urlOf, cache),
      'build-package-duplicate',
      'hello-pf is in the download list twice (1.0-1 and 1.0-2)',
    );
    await expectRejection(fetchAll([], urlOf, cache, { concurrency: 0 }), 'build-repository-invalid', 'concurrency 0');
  });

  it('throws the first failure once the running downloads have ended', async () => {
    const good = served(1, 'first-failure');
    const bad = served(2, 'first-failure', { status: 404 });
    const urls = new Map([
      [good.pkg, good.url],
      [bad.pkg, bad.url],
    ]);
    await expectRejection(
      fetchAll([bad.pkg, good.pkg], (p) => urls.get(p) ?? '', new PackageCache(dir), { concurrency: 2 }),
      'build-package-unavailable',
      'tool-pf',
    );
  });
});

describe('fetchAll on the Debian mirror fixture (real bookworm .debs)', () => {
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

  it('downloads each package of a resolved set once, then serves them all from the cache', async () => {
    const opts = {
      keyringDir: mirror.keyringDir,
      defaultKeyring: mirror.keyringName,
      mirrors: { 'https://deb.debian.org/debian': mirror.baseUrl },
    };
    const loaded = await loadRepositoryIndex(['deb https://deb.debian.org/debian bookworm main'], 'arm64', opts);
    const { packages } = resolvePackages(['redis-server', 'ca-certificates'], loaded.index, { architecture: 'arm64' });
    const pool = () => mirror.requests.filter((r) => r.startsWith('/pool/')).length;
    const before = pool();
    const first = await fetchAll(packages, (p) => loaded.urlOf(p), new PackageCache(dir), { concurrency: 8 });
    expect([first.hits, first.misses]).toEqual([0, packages.length]);
    expect(pool() - before).toBe(packages.length);
    const second = await fetchAll(packages, (p) => loaded.urlOf(p), new PackageCache(dir));
    expect([second.hits, second.misses]).toEqual([packages.length, 0]);
    expect(pool() - before).toBe(packages.length);
    for (const p of packages)
      expect(
        createHash('sha256')
          .update(second.debs.get(p.Package) ?? '')
          .digest('hex'),
      ).toBe(p.SHA256);
    expect(entries(dir).sort()).toEqual(packages.map((p) => p.SHA256).sort());
  }, 120_000);
});
