import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { COMPRESSION_SUFFIX, decompress, type Compression } from './apt/decompress';
import { parsePackages } from './apt/packages-parse';
import { compareDebianVersions } from './version-compare';

/**
 * compareDebianVersions against `dpkg --compare-versions` on 10,000 pairs of real versions
 * from this machine's Packages indexes (/var/lib/apt/lists/*_Packages, lz4-compressed where
 * apt keeps them so, else gz, xz or plain): half of them versions of the same package (the
 * close calls), half drawn at random. dpkg runs in one bash process per core, each looping over
 * its share of the pairs read from stdin. No skip: without the lists the test fails, naming the script that makes them.
 */
const LISTS = '/var/lib/apt/lists';
const PAIRS = 10_000;
const LIST_NAME = /_Packages(\.lz4|\.gz|\.xz)?$/;
const compressionOf = (file: string): Compression =>
  (['lz4', 'gz', 'xz'] as const).find((c) => file.endsWith(COMPRESSION_SUFFIX[c])) ?? 'none';

async function realVersions(): Promise<{ all: string[]; byName: Map<string, string[]> }> {
  const files = existsSync(LISTS) ? readdirSync(LISTS).filter((f) => LIST_NAME.test(f)) : [];
  if (!files.length)
    throw new Error(
      `no *_Packages[.lz4|.gz|.xz] in ${LISTS}: run infra/scripts/ensure-tools.sh (./factory test runs it; it runs apt-get update when the lists are missing)`,
    );
  const byName = new Map<string, string[]>();
  for (const f of files) {
    const path = join(LISTS, f);
    const text = (await decompress(readFileSync(path), compressionOf(f), path)).toString('utf8');
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

/** dpkg's answers, a line per pair of `input`, from one bash process. */
function dpkgLoop(input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'bash',
      ['-c', DPKG_LOOP],
      { maxBuffer: 16 * 1024 * 1024, timeout: 540_000 },
      (error, stdout) => (error ? reject(new Error(`dpkg loop: ${error.message}`)) : resolve(stdout)),
    );
    child.stdin?.end(input);
  });
}

describe('compareDebianVersions on real versions', () => {
  it(`agrees with dpkg --compare-versions on ${PAIRS} pairs from ${LISTS}`, async () => {
    const { all, byName } = await realVersions();
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
    // One bash loop per core, each over a contiguous share of the pairs (answers in order).
    const shares = Math.max(1, Math.min(8, availableParallelism()));
    const size = Math.ceil(PAIRS / shares);
    const outputs = await Promise.all(
      Array.from({ length: shares }, (_, k) =>
        dpkgLoop(
          pairs
            .slice(k * size, (k + 1) * size)
            .map(([a, b]) => `${a} ${b}\n`)
            .join(''),
        ),
      ),
    );
    const dpkg = outputs.flatMap((o) =>
      o
        .trim()
        .split('\n')
        .filter((l) => l !== ''),
    );
    expect(dpkg).toHaveLength(PAIRS);
    const sign = ['<', '=', '>'];
    const disagree = pairs
      .map(([a, b], i) => ({ a, b, ours: sign[Math.sign(compareDebianVersions(a, b)) + 1], dpkg: dpkg[i] }))
      .filter((r) => r.ours !== r.dpkg);
    expect(disagree.slice(0, 10)).toEqual([]);
  }, 600_000);
});
