import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PackageCache,
  buildDefinitionText,
  parsedIndexCache,
  type BuildImageResult,
  type BuildSourcesOptions,
} from '@patch-factory/builder';
import { repoRoot, startDebianMirrorFixture } from '@patch-factory/testing';
import { buildFloor, cpuWithChildrenMs } from './build-floor';

/**
 * `npm run bench:build`: builds each example of examples/catalog (all its platforms) from a
 * loopback mirror of Debian 12 three ways — cold (empty package cache, index not parsed yet),
 * warm (every package cached, a new output) and unchanged (the same output again) — beside
 * the floor: the same packages' data.tar members decompressed and hashed by `xz -dc | sha256sum`,
 * as many pipelines side by side as there are cores (`xargs -P "$(nproc)"`, build-floor.ts), in
 * the same run. Targets: cold at most 2× the floor, unchanged under 1 s. BENCH_BUILD_ROUNDS
 * (default 3): the median is reported.
 */
const EXAMPLES = [
  'static/debian-12/static.yaml',
  'static/debian-12/static-dev.yaml',
  'redis/debian-12/7.0.yaml',
  'redis/debian-12/7.0-dev.yaml',
];
const MIRROR_PACKAGES = [
  'apt',
  'base-files',
  'bash',
  'ca-certificates',
  'coreutils',
  'dash',
  'netbase',
  'redis-server',
  'redis-tools',
  'tzdata',
];
const ROUNDS = Math.max(1, Number(process.env['BENCH_BUILD_ROUNDS'] ?? 3));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const fixture = await startDebianMirrorFixture({ packages: MIRROR_PACKAGES, architectures: ['amd64', 'arm64'] });
  const keyringDir = mkdtempSync(join(tmpdir(), 'pf-bench-keys-'));
  copyFileSync(join(fixture.keyringDir, fixture.keyringName), join(keyringDir, 'debian-archive-keyring.gpg'));
  const sources: BuildSourcesOptions = { keyringDir, mirrors: { 'https://deb.debian.org/debian': fixture.baseUrl } };
  const work = mkdtempSync(join(tmpdir(), 'pf-bench-build-'));
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(
    `bench:build — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${ROUNDS} round(s), median reported; load average ${load()}`,
  );
  let parallel = 0;
  const rows: string[][] = [
    [
      'example',
      'platforms',
      'packages',
      'floor ms',
      'cold ms',
      'warm ms',
      'unchanged ms',
      'cold/floor',
      'warm/floor',
      'CPU ms floor',
      'cold',
      'warm',
    ],
  ];
  let worstCold = 0;
  let worstUnchanged = 0;
  try {
    for (const example of EXAMPLES) {
      const text = readFileSync(join(repoRoot(), 'examples', 'catalog', 'image', example), 'utf8');
      const m = {
        floor: [] as number[],
        cold: [] as number[],
        warm: [] as number[],
        unchanged: [] as number[],
        floorCpu: [] as number[],
        coldCpu: [] as number[],
        warmCpu: [] as number[],
      };
      let last: BuildImageResult | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        const dir = join(work, `${round}-${example.replace(/\W+/g, '-')}`);
        const cacheDir = join(dir, 'cache');
        const build = async (out: string) => {
          const [t0, cpu0] = [performance.now(), cpuWithChildrenMs()];
          const result = await buildDefinitionText(text, { where: example, outDir: join(dir, out), cacheDir, sources });
          return { result, ms: performance.now() - t0, cpuMs: cpuWithChildrenMs() - cpu0 };
        };
        parsedIndexCache.clear();
        const cold = await build('cold');
        const warm = await build('warm');
        const unchanged = await build('warm');
        if (
          !unchanged.result.reused ||
          unchanged.result.digest !== cold.result.digest ||
          warm.result.digest !== cold.result.digest
        ) {
          throw new Error(
            `${example}: the three builds disagree (${cold.result.digest}, ${warm.result.digest}, ${unchanged.result.digest}, reused ${unchanged.result.reused})`,
          );
        }
        const f = await buildFloor(cold.result, new PackageCache(join(cacheDir, 'packages')));
        parallel = f.parallel;
        m.floor.push(f.ms);
        m.floorCpu.push(f.cpuMs);
        m.coldCpu.push(cold.cpuMs);
        m.warmCpu.push(warm.cpuMs);
        m.cold.push(cold.ms);
        m.warm.push(warm.ms);
        m.unchanged.push(unchanged.ms);
        last = cold.result;
        rmSync(dir, { recursive: true, force: true });
      }
      const [floorMs, coldMs, warmMs, unchangedMs] = [
        median(m.floor),
        median(m.cold),
        median(m.warm),
        median(m.unchanged),
      ];
      worstCold = Math.max(worstCold, coldMs / floorMs);
      worstUnchanged = Math.max(worstUnchanged, unchangedMs);
      const packages = new Set(last?.platforms.flatMap((p) => p.packages.map((x) => x.sha256))).size;
      rows.push([
        example,
        String(last?.platforms.length ?? 0),
        String(packages),
        floorMs.toFixed(0),
        coldMs.toFixed(0),
        warmMs.toFixed(0),
        unchangedMs.toFixed(0),
        (coldMs / floorMs).toFixed(2),
        (warmMs / floorMs).toFixed(2),
        ...[m.floorCpu, m.coldCpu, m.warmCpu].map((xs) => median(xs).toFixed(0)),
      ]);
    }
  } finally {
    await fixture.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(keyringDir, { recursive: true, force: true });
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows)
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
  console.log(
    `floor: xz -dc | sha256sum, ${parallel} side by side (xargs -P "$(nproc)"); load average at the end ${load()}`,
  );
  console.log(
    `target cold ≤ 2× floor: ${worstCold <= 2 ? 'met' : 'NOT met'} (worst ${worstCold.toFixed(2)}×); unchanged < 1000 ms: ${worstUnchanged < 1000 ? 'met' : 'NOT met'} (worst ${worstUnchanged.toFixed(0)} ms)`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
