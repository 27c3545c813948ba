import { expectFailure } from '../expect-pipeline-error.fixture';
import { buildPackageIndex, type DebianPackage } from '@patch-factory/debian';
import { resolvePackages } from './dependency-resolver';

type Fields = Partial<Omit<DebianPackage, 'Package' | 'Version' | 'line'>>;

function pkg(name: string, version: string, fields: Fields = {}): DebianPackage {
  return { Package: name, Version: version, Architecture: 'amd64', line: 0, ...fields };
}

// A small debconf / tzdata / ca-certificates world, like the one the static images cut down.
const index = buildPackageIndex([
  pkg('libc6', '2.36-9'),
  pkg('debconf', '1.5.82', { Architecture: 'all', Provides: 'debconf-2.0' }),
  pkg('cdebconf', '0.270', { Provides: 'debconf-2.0', Depends: 'libc6 (>= 2.34), debconf' }),
  pkg('tzdata', '2024a-0', { Architecture: 'all', Depends: 'debconf (>= 0.5) | debconf-2.0' }),
  pkg('openssl', '3.0.11-1', { Depends: 'libc6 (>= 2.34)' }),
  pkg('ca-certificates', '20230311', {
    Architecture: 'all',
    Depends: 'openssl (>= 1.1.1), debconf (>= 0.5) | debconf-2.0',
  }),
  pkg('mawk', '1.3.4', { Provides: 'awk', Depends: 'libc6' }),
  pkg('gawk', '5.2.1', { Provides: 'awk', Depends: 'libc6' }),
  pkg('base-files', '12.4', { Architecture: 'all', 'Pre-Depends': 'awk' }),
  pkg('old-style', '1', { Depends: 'libc6.1 | libc6' }),
  pkg('too-new', '1', { Depends: 'mawk (>= 9) | libc6' }),
  pkg('only-missing', '1', { Depends: 'no-such-package' }),
  pkg('tries-a-first', '1', { Depends: 'branch-a | branch-b' }),
  pkg('branch-a', '1', { Depends: 'libc6, no-such-package' }),
  pkg('branch-b', '1'),
]);

const names = (r: { packages: DebianPackage[] }) => r.packages.map((p) => p.Package);

describe('resolvePackages: exclusions cut dependencies', () => {
  it('drops a dependency whose every alternative is excluded, and reports it with its chain', () => {
    const r = resolvePackages(['tzdata', '!debconf', '!cdebconf'], index);
    expect(names(r)).toEqual(['tzdata']);
    expect(r.dropped).toEqual([{ package: 'tzdata', relation: 'debconf (>= 0.5) | debconf-2.0', chain: 'tzdata' }]);
  });

  it('installs another alternative when only some are excluded', () => {
    const r = resolvePackages(['tzdata', '!debconf'], index);
    // cdebconf provides debconf-2.0; its own Depends on debconf is cut in turn.
    expect(names(r)).toEqual(['cdebconf', 'libc6', 'tzdata']);
    expect(r.dropped).toEqual([{ package: 'cdebconf', relation: 'debconf', chain: 'tzdata -> cdebconf' }]);
    expect(names(resolvePackages(['tzdata', '!cdebconf'], index))).toEqual(['debconf', 'tzdata']);
  });

  it('drops a virtual dependency whose every provider is excluded', () => {
    const r = resolvePackages(['base-files', '!mawk', '!gawk'], index);
    expect(names(r)).toEqual(['base-files']);
    expect(r.dropped).toEqual([{ package: 'base-files', relation: 'awk', chain: 'base-files' }]);
    expect(names(resolvePackages(['base-files', '!gawk'], index))).toEqual(['base-files', 'libc6', 'mawk']);
  });

  it('reports every cut along the way, deep in a chain too, sorted', () => {
    const r = resolvePackages(['tzdata', 'ca-certificates', '!debconf', '!cdebconf', '!libc6'], index);
    expect(names(r)).toEqual(['ca-certificates', 'openssl', 'tzdata']);
    expect(r.dropped).toEqual([
      { package: 'ca-certificates', relation: 'debconf (>= 0.5) | debconf-2.0', chain: 'ca-certificates' },
      { package: 'openssl', relation: 'libc6 (>= 2.34)', chain: 'ca-certificates -> openssl' },
      { package: 'tzdata', relation: 'debconf (>= 0.5) | debconf-2.0', chain: 'tzdata' },
    ]);
    expect(resolvePackages(['!libc6', 'ca-certificates', '!cdebconf', 'tzdata', '!debconf'], index)).toEqual(r);
  });

  it('drops a group whose other alternatives the index does not carry at all', () => {
    const r = resolvePackages(['old-style', '!libc6'], index);
    expect(names(r)).toEqual(['old-style']);
    expect(r.dropped).toEqual([{ package: 'old-style', relation: 'libc6.1 | libc6', chain: 'old-style' }]);
  });

  it('keeps failing when an alternative is there but unusable, or nothing is excluded', () => {
    expectFailure(
      () => resolvePackages(['too-new', '!libc6'], index),
      'build-unresolvable',
      'too-new -> mawk (>= 9) | libc6: no alternative can be installed (too-new -> mawk (>= 9): no version satisfies (the index has 1.3.4); too-new -> libc6: only excluded packages satisfy it (!libc6)',
    );
    expectFailure(
      () => resolvePackages(['only-missing', '!libc6'], index),
      'build-unresolvable',
      'only-missing -> no-such-package: no package or provider named no-such-package',
    );
  });

  it('forgets the cuts of an alternative it backtracked from', () => {
    const r = resolvePackages(['tries-a-first', '!libc6'], index);
    expect(names(r)).toEqual(['branch-b', 'tries-a-first']);
    expect(r.dropped).toEqual([]);
  });

  it('cuts the dependencies of a pinned package too', () => {
    const r = resolvePackages(['ca-certificates=20230311', '!openssl', '!debconf', '!cdebconf'], index);
    expect(names(r)).toEqual(['ca-certificates']);
    expect(r.dropped.map((d) => d.relation)).toEqual(['debconf (>= 0.5) | debconf-2.0', 'openssl (>= 1.1.1)']);
  });
});
