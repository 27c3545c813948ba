import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { resolvePackages } from '@patch-factory/builder';
import {
  buildPackageIndex,
  fetchPackages,
  fetchRelease,
  httpGet,
  newestPackage,
  type AptRepositoryOptions,
} from '@patch-factory/debian';
import { startDebianMirrorFixture, type DebianMirrorFixture } from './debian-mirror-fixture';

const PACKAGES = ['base-files', 'tzdata', 'ca-certificates', 'netbase', 'redis-server'];
const ARCHITECTURES = ['amd64', 'arm64'];

/** The first start of a day downloads the real index and .debs from deb.debian.org. */
let mirror: DebianMirrorFixture;
beforeAll(async () => {
  const started = Date.now();
  mirror = await startDebianMirrorFixture({ packages: PACKAGES, architectures: ARCHITECTURES });
  const { releases, indexes, debs, bytes } = mirror.upstream;
  console.info(
    `debian mirror fixture: started in ${Date.now() - started} ms; upstream: ${releases} Release, ${indexes} indexes, ${debs} .debs, ${(bytes / 1e6).toFixed(1)} MB`,
  );
}, 900_000);
afterAll(async () => {
  await mirror?.close();
});

const repo = (): AptRepositoryOptions => ({
  baseUrl: mirror.baseUrl,
  suite: mirror.suite,
  keyringPath: join(mirror.keyringDir, mirror.keyringName),
  timeoutMs: 10_000,
});

describe('startDebianMirrorFixture', () => {
  it('serves a signed repository that the APT client verifies and reads, for every architecture', async () => {
    expect(mirror.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const signed = await fetchRelease(repo());
    expect(signed.via).toBe('InRelease');
    expect(signed.release.architectures).toEqual(ARCHITECTURES);
    for (const arch of ARCHITECTURES) {
      const fetched = await fetchPackages(repo(), signed, 'main', arch);
      expect(fetched.compression).toBe('xz');
      expect(fetched.problems).toEqual([]);
      const names = fetched.packages.map((p) => p.Package);
      expect(names).toEqual(mirror.packageNames(arch));
      for (const name of [...PACKAGES, 'libc6', 'openssl', 'libssl3']) expect(names).toContain(name);
      expect(fetched.packages.every((p) => p.Architecture === arch || p.Architecture === 'all')).toBe(true);
      // Closed: resolving the list again against the mirror alone chooses the same set.
      const index = buildPackageIndex(fetched.packages);
      expect(resolvePackages(PACKAGES, index, { architecture: arch }).packages.map((p) => p.Package)).toEqual(names);
    }
  });

  it('keeps the real stanzas (Description, Section, Maintainer…) and points Filename at its own pool', async () => {
    const text = (await httpGet(`${mirror.baseUrl}/dists/bookworm/main/binary-arm64/Packages`))?.toString('utf8') ?? '';
    const stanza = text.split('\n\n').find((s) => s.startsWith('Package: redis-server\n')) ?? '';
    for (const field of [
      'Version',
      'Installed-Size',
      'Maintainer',
      'Architecture: arm64',
      'Depends',
      'Description',
      'Section',
      'Priority',
      'Homepage',
      'Description-md5',
      'Size',
      'SHA256',
    ]) {
      expect(stanza).toMatch(new RegExp(`^${field}`, 'm'));
    }
    expect(stanza).toMatch(/^Filename: pool\/main\/redis-server\/redis-server_[^/]+_arm64\.deb$/m);
  });

  it('serves the real .debs, as the index describes them', async () => {
    const signed = await fetchRelease(repo());
    const index = buildPackageIndex((await fetchPackages(repo(), signed, 'main', 'amd64')).packages);
    const pkg = newestPackage(index, 'netbase');
    const data = await httpGet(`${mirror.baseUrl}/${pkg?.Filename ?? ''}`, { maxBytes: pkg?.Size ?? 0 });
    expect(data?.length).toBe(pkg?.Size);
    expect(
      createHash('sha256')
        .update(data ?? Buffer.alloc(0))
        .digest('hex'),
    ).toBe(pkg?.SHA256);
    expect(await httpGet(`${mirror.baseUrl}/pool/main/netbase/nothing.deb`)).toBeUndefined();
    expect(await httpGet(`${mirror.baseUrl}/dists/bookworm/../../../etc/passwd`)).toBeUndefined();
  });

  it('a second start uses the cache: no .deb, index or Release from the Debian archive', async () => {
    const second = await startDebianMirrorFixture({ packages: PACKAGES, architectures: ARCHITECTURES });
    try {
      expect(second.upstream).toEqual({ releases: 0, indexes: 0, debs: 0, bytes: 0 });
      expect(second.packageNames('amd64')).toEqual(mirror.packageNames('amd64'));
      expect(second.keyringDir).not.toBe(mirror.keyringDir);
    } finally {
      await second.close();
    }
  }, 120_000);

  it('refuses bad options by name', async () => {
    await expect(startDebianMirrorFixture({ packages: [], architectures: ['amd64'] })).rejects.toThrow(
      'packages is empty',
    );
    await expect(startDebianMirrorFixture({ packages: ['netbase'], architectures: ['../amd64'] })).rejects.toThrow(
      'give plain names',
    );
    expect(() => mirror.packageNames('riscv64')).toThrow(
      'the mirror has no architecture riscv64 (it has amd64, arm64)',
    );
  });
});
