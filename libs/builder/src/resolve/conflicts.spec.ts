import { expectFailure } from '../expect-pipeline-error.fixture';
import { buildPackageIndex, type DebianPackage } from '@patch-factory/debian';
import { resolvePackages } from './dependency-resolver';

type Fields = Partial<Omit<DebianPackage, 'Package' | 'Version' | 'line'>>;

function pkg(name: string, version: string, fields: Fields = {}): DebianPackage {
  return { Package: name, Version: version, Architecture: 'amd64', line: 0, ...fields };
}

const index = buildPackageIndex([
  pkg('libc6', '2.36-9'),
  pkg('mawk', '1.3.4', { Provides: 'awk', Depends: 'libc6', Breaks: 'gawk (<< 5)' }),
  pkg('original-awk', '2012-12-20', { Provides: 'awk', Conflicts: 'mawk' }),
  pkg('gawk', '5.2.1', { Provides: 'awk' }),
  pkg('gawk', '4.1.4'),
  pkg('base-x', '1', { Depends: 'mawk' }),
  pkg('wants-awk', '1', { Depends: 'original-awk | gawk' }),
  pkg('wants-old-gawk', '1', { Depends: 'gawk (<< 5)' }),
  // The mail-transport-agent pattern: each MTA provides and conflicts with the name (and replaces it, a field the resolver does not need).
  pkg('postfix', '3.7', { Provides: 'mail-transport-agent', Conflicts: 'mail-transport-agent' }),
  pkg('exim4', '4.96', { Provides: 'mail-transport-agent', Conflicts: 'mail-transport-agent' }),
  pkg('needs-mta', '1', { Depends: 'mail-transport-agent' }),
  // A choice made early that a later, unavoidable dependency conflicts with.
  pkg('early', '1', { Depends: 'a1 | a2, needs-b' }),
  pkg('a1', '1'),
  pkg('a2', '1'),
  pkg('needs-b', '1', { Depends: 'b' }),
  pkg('b', '1', { Conflicts: 'a1' }),
  pkg('rc-user', '1', { Conflicts: 'libfoo (<< 1.0~rc1)' }),
  pkg('libfoo', '1.0~beta1'),
  pkg('libfoo-new', '1', { Provides: 'libfoo (= 1.0)' }),
  pkg('cc-user', '1', { Breaks: 'c-compiler (<< 12)' }),
  pkg('gcc-11', '11.3', { Provides: 'c-compiler (= 11)' }),
  pkg('clang', '15', { Provides: 'c-compiler' }),
  pkg('bad-conflicts', '1', { Conflicts: 'foo (>> )' }),
  pkg('wants-bad', '1', { Depends: 'bad-conflicts | a2' }),
]);

const names = (specs: string[]) => resolvePackages(specs, index).packages.map((p) => `${p.Package}=${p.Version}`);

describe('resolvePackages: Conflicts and Breaks', () => {
  it('passes over an alternative that conflicts with a chosen package, either way round', () => {
    // original-awk conflicts with mawk (chosen for base-x): gawk is taken instead.
    expect(names(['base-x', 'wants-awk'])).toEqual([
      'base-x=1',
      'gawk=5.2.1',
      'libc6=2.36-9',
      'mawk=1.3.4',
      'wants-awk=1',
    ]);
    expect(names(['wants-awk'])).toEqual(['original-awk=2012-12-20', 'wants-awk=1']);
  });

  it('names both packages and their chains when the conflict cannot be avoided', () => {
    expectFailure(
      () => resolvePackages(['base-x', 'original-awk'], index),
      'build-unresolvable',
      'original-awk (requested) conflicts with mawk (needed by base-x -> mawk): original-awk 2012-12-20 has "Conflicts: mawk", mawk is 1.3.4',
    );
  });

  it('honours versioned Breaks in dpkg order', () => {
    // mawk breaks gawk (<< 5): gawk 5.2.1 may stay beside it, 4.1.4 may not.
    expect(names(['mawk', 'gawk'])).toEqual(['gawk=5.2.1', 'libc6=2.36-9', 'mawk=1.3.4']);
    expectFailure(
      () => resolvePackages(['base-x', 'wants-old-gawk'], index),
      'build-unresolvable',
      'mawk (needed by base-x -> mawk) breaks gawk (needed by wants-old-gawk -> gawk): mawk 1.3.4 has "Breaks: gawk (<< 5)", gawk is 4.1.4',
    );
    // 1.0~beta1 sorts before 1.0~rc1 (tilde first), and a versioned Provides counts as that version.
    expectFailure(
      () => resolvePackages(['libfoo', 'rc-user'], index),
      'build-unresolvable',
      'rc-user (requested) conflicts with libfoo (requested)',
    );
    expect(names(['libfoo-new', 'rc-user'])).toEqual(['libfoo-new=1', 'rc-user=1']);
  });

  it('matches a versioned clash on a virtual name only through a versioned Provides', () => {
    expectFailure(
      () => resolvePackages(['cc-user', 'gcc-11'], index),
      'build-unresolvable',
      'cc-user (requested) breaks gcc-11 (requested): cc-user 1 has "Breaks: c-compiler (<< 12)", which gcc-11 11.3 provides as 11',
    );
    expect(names(['cc-user', 'clang'])).toEqual(['cc-user=1', 'clang=15']);
  });

  it('ignores the Conflicts + Provides self-pattern but not another provider of the name', () => {
    expect(names(['needs-mta'])).toEqual(['exim4=4.96', 'needs-mta=1']);
    expect(names(['needs-mta', 'postfix'])).toEqual(['needs-mta=1', 'postfix=3.7']);
    expectFailure(
      () => resolvePackages(['exim4', 'postfix'], index),
      'build-unresolvable',
      'postfix (requested) conflicts with exim4 (requested): postfix 3.7 has "Conflicts: mail-transport-agent", which exim4 4.96 provides',
    );
  });

  it('reconsiders an earlier choice that a later dependency conflicts with', () => {
    expect(names(['early'])).toEqual(['a2=1', 'b=1', 'early=1', 'needs-b=1']);
    expectFailure(
      () => resolvePackages(['early', '!a2'], index),
      'build-unresolvable',
      'b (needed by early -> needs-b -> b) conflicts with a1 (needed by early -> a1)',
    );
  });

  it('refuses pins that conflict with each other', () => {
    expectFailure(
      () => resolvePackages(['original-awk=2012-12-20', 'mawk=1.3.4'], index),
      'build-unresolvable',
      'original-awk=2012-12-20: original-awk (pinned =2012-12-20) conflicts with mawk (pinned =1.3.4)',
    );
    expectFailure(
      () => resolvePackages(['gawk=4.1.4', 'base-x'], index),
      'build-unresolvable',
      'mawk (needed by base-x -> mawk) breaks gawk (pinned =4.1.4)',
    );
  });

  it('does not install a package whose Conflicts cannot be read', () => {
    expect(names(['wants-bad'])).toEqual(['a2=1', 'wants-bad=1']);
    expectFailure(
      () => resolvePackages(['bad-conflicts'], index),
      'build-unresolvable',
      'package bad-conflicts has an unreadable relation "foo (>> )"',
    );
  });
});
