import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackageIndex, parsePackages, type PackageIndex } from '@patch-factory/debian';
import { resolvePackages } from './dependency-resolver';
import { parseRelations } from './relation-parse';
import { versionSatisfies } from './version-satisfies';

const LISTS = '/var/lib/apt/lists';
const file = existsSync(LISTS) ? readdirSync(LISTS).find((f) => f.endsWith('bookworm_main_binary-amd64_Packages.lz4')) : undefined;
if (!file) console.warn(`skipping the real-index resolver tests: no *bookworm_main_binary-amd64_Packages.lz4 in ${LISTS}`);
const maybe = file ? describe : describe.skip;

maybe('resolvePackages on the Debian bookworm main index', () => {
  let index: PackageIndex;
  beforeAll(() => {
    const text = execFileSync('lz4', ['-dc', join(LISTS, file ?? '')], { maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8' });
    index = buildPackageIndex(parsePackages(text).packages);
  });

  it.each([['redis-server'], ['ca-certificates']])('resolves %s to a closed set containing libc6', (name) => {
    const { packages, neededBy } = resolvePackages([name], index);
    const chosen = new Map(packages.map((p) => [p.Package, p]));
    expect(chosen.has(name)).toBe(true);
    expect(chosen.has('libc6')).toBe(true);
    expect(packages.map((p) => p.Package)).toEqual([...chosen.keys()].sort());
    // Closed: every dependency of every chosen package has an alternative met inside the set.
    const missing: string[] = [];
    for (const p of packages) {
      for (const group of [...parseRelations(p['Pre-Depends'], p.Package), ...parseRelations(p.Depends, p.Package)]) {
        const met = group.some((r) => {
          const real = chosen.get(r.name);
          if (real && (r.op === undefined || versionSatisfies(real.Version, r.op, r.version ?? ''))) return true;
          return packages.some((q) =>
            parseRelations(q.Provides, q.Package).some((g) => g.some((v) => v.name === r.name && (r.op === undefined || (v.op === '=' && versionSatisfies(v.version ?? '', r.op, r.version ?? ''))))),
          );
        });
        if (!met) missing.push(`${p.Package}: ${group.map((r) => r.name).join(' | ')}`);
      }
    }
    expect(missing).toEqual([]);
    expect(neededBy.get(name)).toBe(name);
  });

  it('resolves both together with an exclusion honoured', () => {
    const { packages } = resolvePackages(['redis-server', 'ca-certificates', '!mawk'], index);
    expect(packages.some((p) => p.Package === 'mawk')).toBe(false);
    expect(packages.some((p) => p.Package === 'openssl')).toBe(true);
  });
});
