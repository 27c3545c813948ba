import { expectFailure } from '../expect-pipeline-error.fixture';
import { buildPackageIndex, type DebianPackage } from '@patch-factory/debian';
import { resolvePackages } from './dependency-resolver';

type Fields = Partial<Omit<DebianPackage, 'Package' | 'Version' | 'line'>>;

function pkg(name: string, version: string, fields: Fields = {}): DebianPackage {
  return { Package: name, Version: version, Architecture: 'amd64', line: 0, ...fields };
}

const index = buildPackageIndex([
  pkg('libc6', '2.36-9'),
  pkg('libc6', '2.31-13'),
  pkg('libssl3', '3.0.8-1', { Depends: 'libc6 (>= 2.34)' }),
  pkg('openssl', '3.0.8-1', { Depends: 'libssl3 (>= 3.0.8), libc6' }),
  pkg('redis-server', '5:7.0.15-1', { Depends: 'libc6 (>= 2.34), libssl3 (>= 3.0.9), redis-tools (= 5:7.0.15-1)' }),
  pkg('redis-tools', '5:7.0.15-1', { Depends: 'libc6' }),
  pkg('mawk', '1.3.4-1', { Provides: 'awk', 'Pre-Depends': 'libc6 (>= 2.14)' }),
  pkg('gawk', '5.2.1-2', { Provides: 'awk', Depends: 'libc6, libmpfr6' }),
  pkg('libmpfr6', '4.2.0-1', { Architecture: 'amd64' }),
  pkg('uses-awk', '1', { Depends: 'awk' }),
  pkg('uses-gawk-or-mawk', '1', { Depends: 'gawk | mawk' }),
  pkg('uses-missing-or-mawk', '1', { Depends: 'no-such-thing | mawk:any' }),
  pkg('virtual-versioned', '1', { Depends: 'c-compiler (>= 12)' }),
  pkg('virtual-too-new', '1', { Depends: 'c-compiler (>= 13)' }),
  pkg('gcc-11', '11.3', { Provides: 'c-compiler (= 11)' }),
  pkg('gcc-12', '12.2', { Provides: 'c-compiler (= 12.2)' }),
  pkg('clang-unversioned', '15', { Provides: 'c-compiler' }),
  pkg('cyc-a', '1', { Depends: 'cyc-b' }),
  pkg('cyc-b', '1', { Depends: 'cyc-c (>> 0.5)' }),
  pkg('cyc-c', '1', { Depends: 'cyc-a (<< 2), base-files:amd64' }),
  pkg('base-files', '12.4', { Architecture: 'all' }),
  pkg('needs-old', '1', { Depends: 'libc6 (<= 2.31-13)' }),
  pkg('armonly', '1', { Architecture: 'arm64' }),
  pkg('needs-arm', '1', { Depends: 'armonly' }),
  pkg('alt-backtrack', '1', { Depends: 'broken-dep | mawk' }),
  pkg('broken-dep', '1', { Depends: 'does-not-exist' }),
  pkg('self-loop', '1', { Depends: 'self-loop, libc6' }),
]);

const names = (specs: string[]) => resolvePackages(specs, index).packages.map((p) => `${p.Package}=${p.Version}`);

describe('resolvePackages', () => {
  it('follows Depends and Pre-Depends with version constraints, newest first, sorted by name', () => {
    expect(names(['openssl'])).toEqual(['libc6=2.36-9', 'libssl3=3.0.8-1', 'openssl=3.0.8-1']);
    expect(names(['mawk'])).toEqual(['libc6=2.36-9', 'mawk=1.3.4-1']);
  });

  it('names the chain when no version satisfies', () => {
    expectFailure(
      () => resolvePackages(['redis-server'], index),
      'build-unresolvable',
      'redis-server -> libssl3 (>= 3.0.9): no version satisfies (the index has 3.0.8-1)',
    );
    expectFailure(
      () => resolvePackages(['alt-backtrack', '!mawk'], index),
      'build-unresolvable',
      'alt-backtrack -> broken-dep -> does-not-exist: no package or provider named does-not-exist',
    );
  });

  it('takes the first installable alternative, backtracking from one that cannot be installed', () => {
    expect(names(['uses-gawk-or-mawk'])).toEqual([
      'gawk=5.2.1-2',
      'libc6=2.36-9',
      'libmpfr6=4.2.0-1',
      'uses-gawk-or-mawk=1',
    ]);
    expect(names(['uses-missing-or-mawk'])).toEqual(['libc6=2.36-9', 'mawk=1.3.4-1', 'uses-missing-or-mawk=1']);
    expect(names(['alt-backtrack'])).toEqual(['alt-backtrack=1', 'libc6=2.36-9', 'mawk=1.3.4-1']);
  });

  it('installs virtual packages through Provides, preferring one already chosen', () => {
    expect(names(['uses-awk'])).toEqual(['gawk=5.2.1-2', 'libc6=2.36-9', 'libmpfr6=4.2.0-1', 'uses-awk=1']);
    expect(names(['uses-awk', 'mawk'])).toEqual(['libc6=2.36-9', 'mawk=1.3.4-1', 'uses-awk=1']);
    expect(names(['uses-awk', '!gawk'])).toEqual(['libc6=2.36-9', 'mawk=1.3.4-1', 'uses-awk=1']);
    expect(names(['awk'])).toEqual(['gawk=5.2.1-2', 'libc6=2.36-9', 'libmpfr6=4.2.0-1']);
  });

  it('satisfies a versioned relation only with a versioned Provides that matches', () => {
    expect(names(['virtual-versioned'])).toEqual(['gcc-12=12.2', 'virtual-versioned=1']);
    expectFailure(
      () => resolvePackages(['virtual-too-new'], index),
      'build-unresolvable',
      'virtual-too-new -> c-compiler (>= 13): no version satisfies',
    );
    // gcc-12 is the only provider that would do: excluding it cuts the dependency.
    const cut = resolvePackages(['virtual-versioned', '!gcc-12'], index);
    expect(cut.packages.map((p) => p.Package)).toEqual(['virtual-versioned']);
    expect(cut.dropped).toEqual([
      { package: 'virtual-versioned', relation: 'c-compiler (>= 12)', chain: 'virtual-versioned' },
    ]);
  });

  it('honours pins, and names a pinned version that a dependency cannot use', () => {
    expect(names(['needs-old', 'libc6=2.31-13'])).toEqual(['libc6=2.31-13', 'needs-old=1']);
    expectFailure(
      () => resolvePackages(['openssl', 'libc6=2.31-13'], index),
      'build-unresolvable',
      'openssl -> libssl3 -> libc6 (>= 2.34): libc6 2.31-13 is already chosen',
    );
    expectFailure(() => resolvePackages(['libc6=9.9'], index), 'build-unresolvable', 'libc6=9.9');
  });

  it('never installs an excluded package, and drops a dependency only excluded packages satisfy', () => {
    const openssl = resolvePackages(['openssl', '!libssl3'], index);
    expect(openssl.packages.map((p) => p.Package)).toEqual(['libc6', 'openssl']);
    expect(openssl.dropped).toEqual([{ package: 'openssl', relation: 'libssl3 (>= 3.0.8)', chain: 'openssl' }]);
    const awk = resolvePackages(['uses-awk', '!gawk', '!mawk'], index);
    expect(awk.packages.map((p) => p.Package)).toEqual(['uses-awk']);
    expect(awk.dropped).toEqual([{ package: 'uses-awk', relation: 'awk', chain: 'uses-awk' }]);
    expect(resolvePackages(['openssl'], index).dropped).toEqual([]);
  });

  it('still refuses a requested package that is excluded, or that only excluded packages provide', () => {
    expectFailure(
      () => resolvePackages(['mawk', '!mawk'], index),
      'build-spec-invalid',
      'mawk is both requested and excluded (!mawk)',
    );
    expectFailure(
      () => resolvePackages(['awk', '!gawk', '!mawk'], index),
      'build-unresolvable',
      'awk: only excluded packages satisfy it (!gawk, !mawk)',
    );
  });

  it('terminates on cycles and self-dependencies, with architecture qualifiers', () => {
    expect(names(['cyc-a'])).toEqual(['base-files=12.4', 'cyc-a=1', 'cyc-b=1', 'cyc-c=1']);
    expect(names(['self-loop'])).toEqual(['libc6=2.36-9', 'self-loop=1']);
    const { neededBy } = resolvePackages(['cyc-c'], index);
    expect(neededBy.get('cyc-b')).toBe('cyc-c -> cyc-a -> cyc-b');
    expect(neededBy.get('base-files')).toBe('cyc-c -> base-files');
  });

  it('installs nothing of a foreign architecture', () => {
    expectFailure(
      () => resolvePackages(['needs-arm'], index),
      'build-unresolvable',
      'needs-arm -> armonly: no package or provider named armonly in the index for amd64',
    );
    expectFailure(
      () => resolvePackages(['armonly'], index),
      'build-unresolvable',
      'armonly: no package or provider named armonly',
    );
    expect(resolvePackages(['armonly'], index, { architecture: 'arm64' }).packages.map((p) => p.Package)).toEqual([
      'armonly',
    ]);
  });

  it('gives the same answer whatever the order of the entries', () => {
    expect(names(['uses-awk', 'openssl', 'cyc-a'])).toEqual(names(['cyc-a', 'openssl', 'uses-awk']));
  });

  it('refuses an entry that is not a package', () => {
    expectFailure(() => resolvePackages(['curl; rm -rf /'], index), 'build-spec-invalid');
    expectFailure(() => resolvePackages(['!curl=1'], index), 'build-spec-invalid');
  });

  it('stops after its step bound on an index built to explode', () => {
    const wide = Array.from({ length: 12 }, (_, i) =>
      pkg(`w${i}`, '1', { Depends: i < 11 ? `w${i + 1}a | w${i + 1}` : 'nothing' }),
    );
    const alts = Array.from({ length: 12 }, (_, i) =>
      pkg(`w${i}a`, '1', { Depends: i < 11 ? `w${i + 1}a | w${i + 1}` : 'nothing' }),
    );
    const hard = buildPackageIndex([...wide, ...alts]);
    expectFailure(() => resolvePackages(['w0'], hard, { maxSteps: 500 }), 'build-resolve-too-complex');
  });
});
