import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildPackageIndex,
  COMPRESSION_SUFFIX,
  decompress,
  parsePackages,
  type Compression,
  type DebianPackage,
  type PackageIndex,
} from '@patch-factory/debian';
import { expectFailure } from '../expect-pipeline-error.fixture';
import { resolvePackages, type DroppedDependency } from './dependency-resolver';
import { parseRelations, relationText, type Relation } from './relation-parse';
import { versionSatisfies } from './version-satisfies';

/**
 * This machine's APT list of Debian 12 main for amd64, as apt keeps it: lz4 under
 * Acquire::GzipIndexes (Debian's container images), else gz, xz or plain. No skip: without it
 * the tests fail, naming the script that makes it (infra/scripts/ensure-tools.sh, run by
 * ./factory test, runs apt-get update when the lists are missing).
 */
const LISTS = '/var/lib/apt/lists';
const LIST_NAME = /_dists_bookworm_main_binary-amd64_Packages(\.lz4|\.gz|\.xz)?$/;
const compressionOf = (file: string): Compression =>
  (['lz4', 'gz', 'xz'] as const).find((c) => file.endsWith(COMPRESSION_SUFFIX[c])) ?? 'none';

async function readBookwormMain(): Promise<string> {
  const file = existsSync(LISTS) ? readdirSync(LISTS).find((f) => LIST_NAME.test(f)) : undefined;
  if (!file)
    throw new Error(
      `no *_dists_bookworm_main_binary-amd64_Packages[.lz4|.gz|.xz] in ${LISTS}: run infra/scripts/ensure-tools.sh (./factory test runs it; it runs apt-get update when the lists are missing)`,
    );
  const path = join(LISTS, file);
  return (await decompress(readFileSync(path), compressionOf(file), path)).toString('utf8');
}

/** The exclusions of the catalog's static image (dhi-catalog image/static/debian-13/static.yaml). */
const STATIC_EXCLUSIONS = [
  'cdebconf',
  'debconf',
  'dpkg',
  'gawk',
  'gcc-14',
  'gcc-14-base',
  'glibc',
  'gmp',
  'install-info',
  'libacl1',
  'libbz2-1.0',
  'libc6',
  'libdebian-installer',
  'libdebian-installer4',
  'libelogind0',
  'libgcc-s1',
  'libgmp10',
  'liblzma5',
  'libmd',
  'libmd0',
  'libmpfr6',
  'libnewt0.52',
  'libpcre2-8-0',
  'libreadline8t64',
  'libselinux',
  'libselinux1',
  'libsigsegv',
  'libsigsegv2',
  'libslang2',
  'libssl3t64',
  'libtextwrap',
  'libtextwrap1',
  'libtinfo6',
  'libzstd1',
  'mawk',
  'mpfr4',
  'ncurses',
  'newt',
  'openssl',
  'openssl-provider-legacy',
  'original-awk',
  'pcre2',
  'readline',
  'readline-common',
  'slang2',
  'tar',
  'texinfo',
  'xz-utils',
  'zlib',
  'zlib1g',
];

/** Whether `q` meets `r`, by its name and version or through its Provides (checked apart from the resolver). */
function meets(q: DebianPackage, r: Relation): boolean {
  if (q.Package === r.name) return r.op === undefined || versionSatisfies(q.Version, r.op, r.version ?? '');
  return parseRelations(q.Provides, q.Package).some((g) =>
    g.some(
      (v) =>
        v.name === r.name &&
        (r.op === undefined || (v.op === '=' && versionSatisfies(v.version ?? '', r.op, r.version ?? ''))),
    ),
  );
}

/** Dependencies of the set met by no package of it, leaving out those reported as dropped. */
function unmet(packages: readonly DebianPackage[], dropped: readonly DroppedDependency[]): string[] {
  const cut = new Set(dropped.map((d) => `${d.package}: ${d.relation}`));
  const missing: string[] = [];
  for (const p of packages) {
    for (const group of [...parseRelations(p['Pre-Depends'], p.Package), ...parseRelations(p.Depends, p.Package)]) {
      const text = `${p.Package}: ${group.map(relationText).join(' | ')}`;
      if (!group.some((r) => packages.some((q) => meets(q, r))) && !cut.has(text)) missing.push(text);
    }
  }
  return missing;
}

/** Every pair of the set where one Conflicts or Breaks the other (a package never clashes with itself). */
function clashes(packages: readonly DebianPackage[]): string[] {
  const found: string[] = [];
  for (const p of packages) {
    for (const field of ['Conflicts', 'Breaks'] as const) {
      for (const r of parseRelations(p[field], p.Package).flat()) {
        for (const q of packages)
          if (q.Package !== p.Package && meets(q, r))
            found.push(`${p.Package} ${field}: ${relationText(r)} -> ${q.Package} ${q.Version}`);
      }
    }
  }
  return found;
}

describe('resolvePackages on the Debian bookworm main index', () => {
  let index: PackageIndex;
  beforeAll(async () => {
    index = buildPackageIndex(parsePackages(await readBookwormMain()).packages);
  });

  it.each([['redis-server'], ['ca-certificates']])(
    'resolves %s to a closed, conflict-free set containing libc6',
    (name) => {
      const { packages, neededBy, dropped } = resolvePackages([name], index);
      const chosen = new Map(packages.map((p) => [p.Package, p]));
      expect(chosen.has(name)).toBe(true);
      expect(chosen.has('libc6')).toBe(true);
      expect(packages.map((p) => p.Package)).toEqual([...chosen.keys()].sort());
      expect(dropped).toEqual([]);
      expect(unmet(packages, dropped)).toEqual([]);
      expect(clashes(packages)).toEqual([]);
      // The check above does find clashes: redis-server's set holds Breaks and Conflicts to test.
      expect(packages.some((p) => p.Breaks !== undefined || p.Conflicts !== undefined)).toBe(true);
      expect(neededBy.get(name)).toBe(name);
    },
  );

  it('resolves both together with an exclusion honoured', () => {
    const { packages, dropped } = resolvePackages(['redis-server', 'ca-certificates', '!mawk'], index);
    expect(packages.some((p) => p.Package === 'mawk')).toBe(false);
    expect(packages.some((p) => p.Package === 'openssl')).toBe(true);
    expect(unmet(packages, dropped)).toEqual([]);
    expect(clashes(packages)).toEqual([]);
  });

  it("cuts the static image's dependencies down to the four packages it asks for", () => {
    const specs = ['ca-certificates', 'tzdata', 'base-files', 'netbase', ...STATIC_EXCLUSIONS.map((n) => `!${n}`)];
    const { packages, dropped } = resolvePackages(specs, index);
    expect(packages.map((p) => p.Package)).toEqual(['base-files', 'ca-certificates', 'netbase', 'tzdata']);
    expect(dropped).toEqual([
      { package: 'base-files', relation: 'awk', chain: 'base-files' },
      { package: 'ca-certificates', relation: 'debconf (>= 0.5) | debconf-2.0', chain: 'ca-certificates' },
      { package: 'ca-certificates', relation: 'openssl (>= 1.1.1)', chain: 'ca-certificates' },
      { package: 'tzdata', relation: 'debconf (>= 0.5) | debconf-2.0', chain: 'tzdata' },
    ]);
    expect(unmet(packages, dropped)).toEqual([]);
    expect(clashes(packages)).toEqual([]);
  });

  it('with fewer exclusions, installs what the rest needs and reports every cut', () => {
    const { packages, dropped } = resolvePackages(
      ['ca-certificates', 'tzdata', 'base-files', 'netbase', '!openssl', '!debconf', '!cdebconf', '!libc6'],
      index,
    );
    const names = packages.map((p) => p.Package);
    // awk is not excluded here: base-files' Pre-Depends pulls in an awk and what that needs.
    expect(names.filter((n) => n === 'mawk' || n === 'gawk' || n === 'original-awk')).toHaveLength(1);
    expect(names.some((n) => ['openssl', 'debconf', 'cdebconf', 'libc6'].includes(n))).toBe(false);
    expect(dropped.filter((d) => d.relation.startsWith('debconf')).map((d) => d.package)).toEqual([
      'ca-certificates',
      'tzdata',
    ]);
    expect(dropped.some((d) => d.relation.startsWith('libc6'))).toBe(true);
    expect(unmet(packages, dropped)).toEqual([]);
    expect(clashes(packages)).toEqual([]);
  });

  it('refuses two mail transport agents, naming both', () => {
    // The independent check above sees this clash as well (Conflicts: mail-transport-agent through Provides).
    const mtas = ['exim4-daemon-light', 'postfix']
      .map((n) => index.byName.get(n)?.[0])
      .filter((p): p is DebianPackage => p !== undefined);
    expect(clashes(mtas).length).toBeGreaterThan(0);
    expectFailure(
      () => resolvePackages(['exim4', 'postfix'], index),
      'build-unresolvable',
      'postfix (requested) conflicts with exim4-daemon-light (needed by exim4 -> exim4-daemon-light)',
    );
  });
});
