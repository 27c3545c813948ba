import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parsePackages } from './apt/packages-parse';
import { compareDebianVersions } from './version-compare';

/**
 * compareDebianVersions against `dpkg --compare-versions` on 10,000 pairs of real versions
 * from this machine's Packages indexes (/var/lib/apt/lists/*Packages.lz4): half of them
 * versions of the same package (the close calls), half drawn at random. dpkg runs in ONE
 * bash process that loops over the pairs read from stdin.
 */
const LISTS = '/var/lib/apt/lists';
const PAIRS = 10_000;
const files = existsSync(LISTS) ? readdirSync(LISTS).filter((f) => f.endsWith('_Packages.lz4')) : [];
if (!files.length) console.warn(`skipped: no *_Packages.lz4 under ${LISTS} (run apt-get update) - dpkg comparison on real versions not done`);
const maybe = files.length ? it : it.skip;

function realVersions(): { all: string[]; byName: Map<string, string[]> } {
  const byName = new Map<string, string[]>();
  for (const f of files) {
    const text = execFileSync('lz4', ['-dc', join(LISTS, f)], { maxBuffer: 1024 * 1024 * 1024 }).toString('utf8');
    for (const p of parsePackages(text).packages) {
      const list = byName.get(p.Package) ?? [];
      if (!list.includes(p.Version)) list.push(p.Version);
      byName.set(p.Package, list);
    }
  }
  return { all: [...byName.values()].flat(), byName };
}

const DPKG_LOOP = `while read -r a b; do
  if dpkg --compare-versions "$a" lt "$b"; then echo '<'
  elif dpkg --compare-versions "$a" eq "$b"; then echo '='
  else echo '>'; fi
done`;

describe('compareDebianVersions on real versions', () => {
  maybe(`agrees with dpkg --compare-versions on ${PAIRS} pairs from ${LISTS}`, () => {
    const { all, byName } = realVersions();
    let seed = 7;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % k;
    };
    const multi = [...byName.values()].filter((l) => l.length > 1);
    const pairs: [string, string][] = [];
    for (let i = 0; i < PAIRS; i++) {
      const list = i % 2 === 0 && multi.length ? (multi[rnd(multi.length)] as string[]) : all;
      pairs.push([list[rnd(list.length)] as string, list[rnd(list.length)] as string]);
    }
    const input = pairs.map(([a, b]) => `${a} ${b}\n`).join('');
    const dpkg = execFileSync('bash', ['-c', DPKG_LOOP], { input, maxBuffer: 16 * 1024 * 1024, timeout: 300_000 }).toString('utf8').trim().split('\n');
    expect(dpkg).toHaveLength(PAIRS);
    const sign = ['<', '=', '>'];
    const disagree = pairs.map(([a, b], i) => ({ a, b, ours: sign[Math.sign(compareDebianVersions(a, b)) + 1], dpkg: dpkg[i] })).filter((r) => r.ours !== r.dpkg);
    expect(disagree.slice(0, 10)).toEqual([]);
  }, 300_000);
});
