import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compareDebianVersions } from '@patch-factory/debian';
import { loadOsvText, loadTrackerText, scan, VulnDb, type ScanPackage } from '@patch-factory/vuln';
import { percentile, table } from './bench-util';

/**
 * `npm run bench:scan`: the vulnerability scan of libs/vuln. Synthesizes (deterministic PRNG)
 * BENCH_ADVISORIES (100,000) advisories over BENCH_SOURCES (20,000) Debian source packages,
 * 80 % as OSV records (Debian:12, ECOSYSTEM ranges) and 20 % as a Debian security tracker JSON,
 * and a 500-package image (400 of the packages have advisories, a quarter of them binaries of
 * another source). Measures the load (JSON text to index), the memory it holds (heapUsed / rss
 * delta after GC) and the scan (median of 20), beside a naive baseline in the same run (median of 5, BENCH_BASELINE_RUNS): for each
 * package, every advisory is looked at and its ranges compared. Target: a scan under 1 s once loaded.
 */
const ADVISORIES = Number(process.env['BENCH_ADVISORIES'] ?? 100_000);
const SOURCES = Number(process.env['BENCH_SOURCES'] ?? 20_000);
const IMAGE = 500;
const RUNS = 20;
/** The baseline takes seconds a scan: fewer runs (BENCH_BASELINE_RUNS) unless asked. */
const BASELINE_RUNS = Number(process.env['BENCH_BASELINE_RUNS'] ?? 5);

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(20260601);
const int = (n: number) => Math.floor(random() * n);
const version = (major: number, minor: number, rev: number, epoch: boolean, tilde: boolean) =>
  `${epoch ? '1:' : ''}${major}.${minor}${tilde ? '~rc1' : ''}-${rev}+deb12u${int(4)}`;
const sourceName = (i: number) => `src${i}-lib`;

interface Synth {
  pkg: string;
  id: string;
  events: { introduced?: string; fixed?: string; last_affected?: string }[];
  open: boolean;
}

function synthesize(): { osvText: string; trackerText: string; all: Synth[]; epochs: boolean[] } {
  const epochs = Array.from({ length: SOURCES }, () => random() < 0.1);
  const osv: object[] = [];
  const tracker: Record<string, Record<string, object>> = {};
  const all: Synth[] = [];
  for (let i = 0; i < ADVISORIES; i++) {
    const s = int(SOURCES);
    const pkg = sourceName(s);
    const epoch = epochs[s] as boolean;
    const fixed = version(1 + int(5), int(20), 1 + int(5), epoch, random() < 0.05);
    const id = `CVE-${2000 + (i % 27)}-${100000 + i}`;
    if (i % 5 === 4) {
      const open = random() < 0.2;
      (tracker[pkg] ??= {})[id] = {
        releases: {
          bookworm: open
            ? { status: 'open', urgency: 'low' }
            : { status: 'resolved', fixed_version: fixed, urgency: 'medium' },
        },
        description: 'synthetic',
      };
      all.push({ pkg, id, events: open ? [{ introduced: '0' }] : [{ introduced: '0' }, { fixed }], open });
    } else {
      const introduced = version(1, 0, 1, epoch, false);
      // a range from a version (only below its fix: the baseline walks events unsorted), or from the start
      const events =
        random() < 0.3 && compareDebianVersions(introduced, fixed) < 0
          ? [{ introduced }, { fixed }]
          : [{ introduced: '0' }, { fixed }];
      osv.push({
        id,
        modified: '2026-01-01T00:00:00Z',
        affected: [{ package: { ecosystem: 'Debian:12', name: pkg }, ranges: [{ type: 'ECOSYSTEM', events }] }],
        severity: [
          {
            type: 'CVSS_V3',
            score: `CVSS:3.1/AV:N/AC:${random() < 0.5 ? 'L' : 'H'}/PR:N/UI:N/S:U/C:H/I:${random() < 0.5 ? 'H' : 'N'}/A:H`,
          },
        ],
      });
      all.push({ pkg, id, events, open: false });
    }
  }
  return { osvText: JSON.stringify(osv), trackerText: JSON.stringify(tracker), all, epochs };
}

function image(epochs: boolean[]): ScanPackage[] {
  const out: ScanPackage[] = [];
  for (let i = 0; i < IMAGE; i++) {
    const s = i < 400 ? int(SOURCES) : SOURCES + i; // the last 100: no advisory
    const v = version(1 + int(5), int(20), 1 + int(5), epochs[s] ?? false, random() < 0.05);
    out.push(
      i % 4 === 0
        ? { name: `lib${s}-bin${i}`, version: v, arch: 'amd64', source: sourceName(s) }
        : { name: sourceName(s), version: v, arch: 'amd64' },
    );
  }
  return out;
}

/** The baseline: every package against every advisory, the OSV range walk with dpkg's order. */
function naiveScan(all: readonly Synth[], packages: readonly ScanPackage[]): number {
  let hits = 0;
  for (const p of packages) {
    const src = p.source ?? p.name;
    for (const a of all) {
      if (a.pkg !== src) continue;
      let affected = false;
      for (const e of a.events) {
        if (e.introduced !== undefined && (e.introduced === '0' || compareDebianVersions(p.version, e.introduced) >= 0))
          affected = true;
        else if (e.fixed !== undefined && compareDebianVersions(p.version, e.fixed) >= 0) affected = false;
        else if (e.last_affected !== undefined && compareDebianVersions(p.version, e.last_affected) > 0)
          affected = false;
      }
      if (affected) hits++;
    }
  }
  return hits;
}

function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function timeRuns(runs: number, fn: () => number): { median: number; result: number } {
  const times: number[] = [];
  let result = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = fn();
    times.push(performance.now() - t);
  }
  return { median: percentile(times, 50), result };
}

function main(): void {
  const gc = gcFunction();
  const { osvText, trackerText, all, epochs } = synthesize();
  const packages = image(epochs);
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const db = new VulnDb();
  const osvLoad = loadOsvText(db, osvText, 'synthetic-osv.json');
  const osvMs = performance.now() - t0;
  const trackerLoad = loadTrackerText(db, trackerText, 'synthetic-tracker.json');
  const loadMs = performance.now() - t0;
  gc();
  const after = process.memoryUsage();
  const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
  console.log(
    `loaded ${db.advisoryCount.toLocaleString('en-US')} advisories (${osvLoad.indexed} OSV, ${trackerLoad.entries} tracker entries) over ${db.packageCount.toLocaleString('en-US')} source packages in ${loadMs.toFixed(0)} ms (OSV ${osvMs.toFixed(0)} ms, tracker ${(loadMs - osvMs).toFixed(0)} ms); ` +
      `problems ${db.problemCount}; held: heapUsed +${mib(after.heapUsed - before.heapUsed)} MiB, rss +${mib(after.rss - before.rss)} MiB (input texts ${mib(osvText.length + trackerText.length)} MiB, not counted)`,
  );
  const ours = timeRuns(RUNS, () => scan(db, packages, 'debian-12').length);
  const naive = timeRuns(BASELINE_RUNS, () => naiveScan(all, packages));
  if (ours.result !== naive.result) console.warn(`finding counts differ: ours ${ours.result}, naive ${naive.result}`);
  console.log(
    table(
      ['scan of a 500-package image', 'findings', 'runs', 'median ms', 'ratio naive/ours'],
      [
        [
          'libs/vuln scan (index by source package)',
          String(ours.result),
          String(RUNS),
          ours.median.toFixed(2),
          (naive.median / ours.median).toFixed(1),
        ],
        [
          'naive (every advisory per package)',
          String(naive.result),
          String(BASELINE_RUNS),
          naive.median.toFixed(2),
          '1.0',
        ],
      ],
    ),
  );
  console.log(
    `target: scan under 1000 ms once loaded: ${ours.median < 1000 ? 'met' : 'NOT met'} (${ours.median.toFixed(2)} ms)`,
  );
}

main();
