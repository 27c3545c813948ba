import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decompress, parsePackages } from '@patch-factory/debian';

/**
 * `npm run bench:apt`: parses this machine's full Packages indexes (bookworm,
 * bookworm-updates, bookworm-security under /var/lib/apt/lists, lz4) with parsePackages
 * (decompression by the lz4 binary included), side by side with two baselines: a naive
 * split/regex parser on the same text, and `lz4 -dc | grep -c '^Package:'` (counting only).
 * Target: all three indexes in under 2 s.
 */
const LISTS = process.env['BENCH_APT_LISTS'] ?? '/var/lib/apt/lists';
const SUITES = [
  'deb.debian.org_debian_dists_bookworm',
  'deb.debian.org_debian_dists_bookworm-updates',
  'deb.debian.org_debian-security_dists_bookworm-security',
];

/** The baseline: split on blank lines, then each line on the first ": " with a regex. */
function naiveParse(text: string): number {
  let n = 0;
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    for (const line of stanza.split('\n')) {
      const m = /^([^\s:]+):\s*(.*)$/.exec(line);
      if (m) fields[m[1] as string] = m[2] as string;
    }
    if (fields['Package'] && fields['Version']) n++;
  }
  return n;
}

async function main(): Promise<void> {
  const files = SUITES.map((s) => join(LISTS, `${s}_main_binary-amd64_Packages.lz4`));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) {
    console.error(`bench:apt needs ${missing.join(', ')} (run apt-get update on a bookworm machine)`);
    process.exitCode = 1;
    return;
  }
  const rows: string[][] = [
    ['index', 'entries', 'ours ms', 'ours entries/s', 'naive ms', 'naive entries/s', 'grep ms', 'ratio naive/ours'],
  ];
  let total = { entries: 0, ours: 0, naive: 0, grep: 0 };
  for (const file of files) {
    const t0 = performance.now();
    const text = (await decompress(readFileSync(file), 'lz4', file)).toString('utf8');
    const parsed = parsePackages(text);
    const ours = performance.now() - t0;
    const t1 = performance.now();
    const text2 = (await decompress(readFileSync(file), 'lz4', file)).toString('utf8');
    const naiveCount = naiveParse(text2);
    const naive = performance.now() - t1;
    const t2 = performance.now();
    const grepCount = Number(
      execFileSync('bash', ['-c', 'lz4 -dc -- "$1" | grep -c "^Package:"', 'bash', file]).toString('utf8').trim(),
    );
    const grep = performance.now() - t2;
    const n = parsed.packages.length;
    if (n + parsed.problemCount !== grepCount || naiveCount !== grepCount)
      console.warn(
        `${file}: counts differ: ours ${n} (+${parsed.problemCount} skipped), naive ${naiveCount}, grep ${grepCount}`,
      );
    total = {
      entries: total.entries + n,
      ours: total.ours + ours,
      naive: total.naive + naive,
      grep: total.grep + grep,
    };
    rows.push(row(file.split('/').pop()?.replace('_main_binary-amd64_Packages.lz4', '') ?? file, n, ours, naive, grep));
  }
  rows.push(row('all three', total.entries, total.ours, total.naive, total.grep));
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows)
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
  console.log(
    `target: all three parsed in < 2000 ms: ${total.ours < 2000 ? 'met' : 'NOT met'} (${total.ours.toFixed(0)} ms)`,
  );
}

function row(name: string, n: number, ours: number, naive: number, grep: number): string[] {
  const rate = (ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
  return [
    name,
    String(n),
    ours.toFixed(0),
    rate(ours),
    naive.toFixed(0),
    rate(naive),
    grep.toFixed(0),
    (naive / ours).toFixed(2),
  ];
}

void main();
