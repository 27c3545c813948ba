import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchPackages, fetchRelease, type AptRepositoryOptions } from './apt-repository.client';
import { buildPackageIndex, newestPackage, resolvePin } from './package-index';
import { startTestAptRepo, type TestAptRepo } from '@patch-factory/testing';

/** A real signed repository made by the test (dpkg-deb, gpg, gpgv, xz, lz4), on 127.0.0.1. */
let repo: TestAptRepo;
beforeAll(async () => {
  repo = await startTestAptRepo();
}, 120_000);
afterAll(async () => {
  await repo?.close();
});

const opts = (suite: string, extra: Partial<AptRepositoryOptions> = {}): AptRepositoryOptions => ({
  baseUrl: repo.baseUrl,
  suite,
  keyringPath: repo.keyring,
  timeoutMs: 10_000,
  ...extra,
});

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return 'no error';
}

describe('fetchRelease and fetchPackages on a signed repository', () => {
  it('verifies InRelease, fetches Packages.xz, checks it and parses it', async () => {
    repo.writeSuite('good');
    const signed = await fetchRelease(opts('good'));
    expect(signed.via).toBe('InRelease');
    expect(signed.fingerprints).toHaveLength(1);
    expect(signed.release.suite).toBe('good');
    expect(signed.release.validUntil).toBeGreaterThan(Date.now());
    expect([...signed.release.sha256.keys()].sort()).toEqual([
      'main/binary-amd64/Packages',
      'main/binary-amd64/Packages.gz',
      'main/binary-amd64/Packages.xz',
    ]);
    const index = await fetchPackages(opts('good'), signed);
    expect(index.compression).toBe('xz');
    expect(index.problems).toEqual([]);
    expect(index.packages.map((p) => `${p.Package}=${p.Version}`)).toEqual([
      'hello-pf=1.0-1',
      'hello-pf=1.0-2',
      'tool-pf=2:0.9~rc1-1',
    ]);
    const byName = buildPackageIndex(index.packages);
    expect(newestPackage(byName, 'hello-pf')?.Version).toBe('1.0-2');
    expect(resolvePin(byName, 'tool-pf=2:0.9~rc1-1').Filename).toBe('pool/main/t/tool-pf/tool-pf_0.9~rc1-1_amd64.deb');
    expect(resolvePin(byName, 'hello-pf=1.0-01').Version).toBe('1.0-1');
    expect(await codeOf(Promise.resolve().then(() => resolvePin(byName, 'hello-pf=9-1')))).toBe('apt-pin-not-found');
    expect(() => resolvePin(byName, 'hello-pf=9-1')).toThrow(
      'hello-pf=9-1 is not in the index; it has 1.0-2, 1.0-1: update the pin',
    );
    expect(await codeOf(Promise.resolve().then(() => resolvePin(byName, 'hello-pf 1.0')))).toBe('apt-pin-invalid');
  });

  it.each([
    [['gz'], 'gz'],
    [['none'], 'none'],
    [['lz4'], 'lz4'],
    [['lz4', 'gz'], 'gz'],
  ] as const)('fetches Packages in the form the Release lists (%j)', async (forms, expected) => {
    const suite = `forms-${forms.join('-')}`;
    repo.writeSuite(suite, { forms: [...forms] });
    const index = await fetchPackages(opts(suite), await fetchRelease(opts(suite)));
    expect(index.compression).toBe(expected);
    expect(index.packages).toHaveLength(3);
  });

  it('falls back to Release + Release.gpg when there is no InRelease', async () => {
    repo.writeSuite('detached', { inRelease: false });
    const signed = await fetchRelease(opts('detached'));
    expect(signed.via).toBe('Release.gpg');
    expect((await fetchPackages(opts('detached'), signed)).packages).toHaveLength(3);
  });
});

describe('a tampered repository is refused', () => {
  it('a changed InRelease: apt-signature-bad', async () => {
    const dir = repo.writeSuite('tampered-inrelease');
    const path = join(dir, 'InRelease');
    writeFileSync(path, readFileSync(path, 'utf8').replace('Origin: PF Test', 'Origin: PF Evil'));
    expect(await codeOf(fetchRelease(opts('tampered-inrelease')))).toBe('apt-signature-bad');
  });

  it('a Release changed after its detached signature: apt-signature-bad', async () => {
    const dir = repo.writeSuite('tampered-release', { inRelease: false });
    writeFileSync(
      join(dir, 'Release'),
      readFileSync(join(dir, 'Release'), 'utf8').replace('Label: PF Test', 'Label: PF Evil'),
    );
    expect(await codeOf(fetchRelease(opts('tampered-release')))).toBe('apt-signature-bad');
  });

  it('a Packages file whose SHA256 disagrees with the Release: apt-index-checksum-mismatch', async () => {
    const dir = repo.writeSuite('bad-sum', { forms: ['none'] });
    const path = join(dir, 'main/binary-amd64/Packages');
    writeFileSync(path, readFileSync(path, 'utf8').replace('Version: 1.0-2', 'Version: 1.0-3'));
    expect(await codeOf(fetchPackages(opts('bad-sum'), await fetchRelease(opts('bad-sum'))))).toBe(
      'apt-index-checksum-mismatch',
    );
  });

  it('a Packages file whose size disagrees with the Release: apt-index-size-mismatch', async () => {
    const dir = repo.writeSuite('bad-size', { forms: ['gz'] });
    const path = join(dir, 'main/binary-amd64/Packages.gz');
    writeFileSync(path, readFileSync(path).subarray(0, 40));
    expect(await codeOf(fetchPackages(opts('bad-size'), await fetchRelease(opts('bad-size'))))).toBe(
      'apt-index-size-mismatch',
    );
  });

  it('no InRelease and no Release: apt-release-missing', async () => {
    expect(await codeOf(fetchRelease(opts('no-such-suite')))).toBe('apt-release-missing');
  });

  it('an unsigned Release: apt-release-unsigned', async () => {
    repo.writeSuite('unsigned', { signer: 'none' });
    expect(await codeOf(fetchRelease(opts('unsigned')))).toBe('apt-release-unsigned');
    const dir = repo.writeSuite('plain-inrelease', { signer: 'none' });
    writeFileSync(join(dir, 'InRelease'), readFileSync(join(dir, 'Release')));
    expect(await codeOf(fetchRelease(opts('plain-inrelease')))).toBe('apt-release-unsigned');
  });

  it('an expired Valid-Until: apt-release-expired', async () => {
    repo.writeSuite('expired', { validUntil: new Date(Date.now() - 3_600_000) });
    const error = await fetchRelease(opts('expired')).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe('apt-release-expired');
    expect(error?.message).toContain('(Valid-Until): the mirror is stale');
  });

  it('signed by a key not in the keyring: apt-signature-unknown-key', async () => {
    repo.writeSuite('other-key', { signer: 'other' });
    expect(await codeOf(fetchRelease(opts('other-key')))).toBe('apt-signature-unknown-key');
    repo.writeSuite('other-key-detached', { signer: 'other', inRelease: false });
    expect(await codeOf(fetchRelease(opts('other-key-detached')))).toBe('apt-signature-unknown-key');
    // And the other way round: the right key is not the configured one.
    repo.writeSuite('good-2');
    expect(await codeOf(fetchRelease(opts('good-2', { keyringPath: repo.otherKeyring })))).toBe(
      'apt-signature-unknown-key',
    );
  });

  it('a keyring that does not exist: apt-keyring-missing', async () => {
    repo.writeSuite('good-3');
    const missing = join(repo.root, 'gone.gpg');
    rmSync(missing, { force: true });
    expect(await codeOf(fetchRelease(opts('good-3', { keyringPath: missing })))).toBe('apt-keyring-missing');
  });

  it('credentials in the URL, other schemes and odd suites: apt-url-refused (plain http itself is not refused)', async () => {
    expect(await codeOf(fetchRelease(opts('good', { baseUrl: 'http://user:secret@archive.example.org/debian' })))).toBe(
      'apt-url-refused',
    );
    expect(
      await codeOf(fetchRelease(opts('good', { baseUrl: repo.baseUrl.replace('http://', 'http://user:secret@') }))),
    ).toBe('apt-url-refused');
    expect(await codeOf(fetchRelease(opts('../../etc')))).toBe('apt-url-refused');
    expect(await codeOf(fetchRelease(opts('good', { baseUrl: 'file:///etc' })))).toBe('apt-url-refused');
    expect(await codeOf(fetchRelease(opts('good', { baseUrl: 'ftp://archive.example.org/debian' })))).toBe(
      'apt-url-refused',
    );
  });

  it('no keyring at all: apt-keyring-missing before anything is fetched (there is no unsigned mode)', async () => {
    repo.writeSuite('good-4');
    expect(await codeOf(fetchRelease(opts('good-4', { keyringPath: '' })))).toBe('apt-keyring-missing');
    expect(await codeOf(fetchRelease(opts('good-4', { keyringPath: undefined as unknown as string })))).toBe(
      'apt-keyring-missing',
    );
  });

  it("another suite's validly signed Release in place of the one asked for: apt-release-suite-mismatch", async () => {
    const source = repo.writeSuite('swap-source');
    const target = repo.writeSuite('swap-target');
    writeFileSync(join(target, 'InRelease'), readFileSync(join(source, 'InRelease')));
    const error = await fetchRelease(opts('swap-target')).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe('apt-release-suite-mismatch');
    expect(error?.message).toContain('is the Release of "swap-source" / "swap-source", not of the suite "swap-target"');
    // The detached form too.
    const detachedSource = repo.writeSuite('swap-source-2', { inRelease: false });
    const detachedTarget = repo.writeSuite('swap-target-2', { inRelease: false });
    for (const f of ['Release', 'Release.gpg'])
      writeFileSync(join(detachedTarget, f), readFileSync(join(detachedSource, f)));
    expect(await codeOf(fetchRelease(opts('swap-target-2')))).toBe('apt-release-suite-mismatch');
  });

  it('a body over the size limit: apt-too-large', async () => {
    repo.writeSuite('big');
    expect(await codeOf(fetchRelease(opts('big', { maxBytes: 100 })))).toBe('apt-too-large');
  });
});
