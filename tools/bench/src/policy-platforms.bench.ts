import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPlatform, imageRunConfig, materializeImage, testImagePlatforms } from '@patch-factory/checking';
import { parseDefinition, type Definition } from '@patch-factory/definitions';
import { runPolicyChecks } from '@patch-factory/imagetest';
import { catalogExamples, startExampleBuilder } from './catalog-examples';

/**
 * What the per-platform file-only policy checks (issue 15) add to the test stage. Builds every
 * example of examples/catalog (all its platforms, from the loopback Debian 12 mirror of
 * libs/testing; not timed), then, in the same rounds, times libs/checking's testImagePlatforms
 * (unpack each platform's root into a temporary directory, run libs/imagetest's policy checks,
 * remove it) over the host's platform only (the baseline: the test stage before issue 15) and
 * over every platform of the image. The definition's `tests:` are left out of both (they run
 * for the host's platform only, before and after issue 15). Also, per platform, the two parts
 * apart: unpacking the root, and the checks. Median of BENCH_POLICY_RUNS rounds (default 3).
 */
const RUNS = Math.max(1, Number(process.env['BENCH_POLICY_RUNS'] ?? 3));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
async function ms(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

interface Row {
  example: string;
  platforms: string[];
  hostMs: number;
  allMs: number;
  unpackMs: number;
  checksMs: number;
  checks: string;
}

/** Unpacking one platform's root and its checks, timed apart (the building blocks of testImagePlatforms). */
async function parts(
  layout: string,
  platform: string,
  definition: Definition,
): Promise<{ unpackMs: number; checksMs: number; failed: string[] }> {
  const work = await mkdtemp(join(tmpdir(), 'pf-bench-policy-'));
  try {
    await chmod(work, 0o755);
    const root = join(work, 'rootfs');
    let user = '';
    const unpackMs = await ms(async () => {
      user = imageRunConfig(await materializeImage(layout, platform, root)).user;
    });
    let failed: string[] = [];
    const checksMs = await ms(async () => {
      const checks = await runPolicyChecks(root, {
        ...(definition.variant ? { variant: definition.variant } : {}),
        ...(definition.accounts ? { accounts: definition.accounts } : {}),
        user,
      });
      failed = checks.filter((c) => c.status === 'failed').map((c) => `${c.id} ${platform.replace(/^linux\//, '')}`);
    });
    return { unpackMs, checksMs, failed };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function measure(
  layout: string,
  file: string,
  definition: Definition,
  platforms: string[],
  host: string | undefined,
): Promise<Row> {
  const hostOnly = platforms.filter((p) => p === host);
  // host undefined: no image test runs, only what every platform gets (unpack, checks, cleanup).
  const opts = { host: undefined };
  const hostSamples: number[] = [];
  const allSamples: number[] = [];
  const unpack: number[] = [];
  const checks: number[] = [];
  const checkCount = (await testImagePlatforms(layout, platforms, definition, opts)).checks.length; // also a warm-up
  let failed: string[] = [];
  for (let round = 0; round < RUNS; round++) {
    // Alternate which side goes first, so that neither always finds the page cache warm.
    for (const side of round % 2 === 0 ? [hostOnly, platforms] : [platforms, hostOnly]) {
      const t = await ms(() => testImagePlatforms(layout, side, definition, opts));
      (side === hostOnly ? hostSamples : allSamples).push(t);
    }
    let u = 0;
    let c = 0;
    failed = [];
    for (const platform of platforms) {
      const p = await parts(layout, platform, definition);
      u += p.unpackMs;
      c += p.checksMs;
      failed.push(...p.failed);
    }
    unpack.push(u);
    checks.push(c);
  }
  return {
    example: file.replace(/\.yaml$/, ''),
    platforms,
    hostMs: hostOnly.length > 0 ? median(hostSamples) : 0,
    allMs: median(allSamples),
    unpackMs: median(unpack),
    checksMs: median(checks),
    checks: `${checkCount}${failed.length > 0 ? `, failed: ${failed.join(', ')}` : ', all passed'}`,
  };
}

async function main(): Promise<void> {
  const host = hostPlatform();
  const loadBefore = loadavg();
  console.log(
    `bench:policy-platforms — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, host ${host ?? 'none'}, median of ${RUNS}`,
  );
  const rows: Row[] = [];
  const notBuilt: string[] = [];
  const builder = await startExampleBuilder('pf-bench-policy-platforms-');
  try {
    for (const example of catalogExamples()) {
      const parsed = parseDefinition(example.text, example.file);
      if (!parsed.ok)
        throw new Error(`${example.file} is not a valid definition: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
      let built;
      try {
        built = await builder.build(example);
      } catch (error) {
        notBuilt.push(
          `${example.file}: not built here (${(error as Error).message.split('\n')[0]?.slice(0, 160) ?? ''})`,
        );
        continue;
      }
      const platforms = built.result.platforms.map((p) => p.platform);
      rows.push(await measure(built.outDir, example.file, parsed.value, platforms, host));
    }
  } finally {
    await builder.close();
  }
  const loadAfter = loadavg();
  const table = [
    [
      'example',
      'platforms',
      'host-only ms',
      'all-platforms ms',
      'added ms',
      'ratio',
      'unpack ms',
      'checks ms',
      'check results',
    ],
    ...rows.map((r) => [
      r.example,
      r.platforms.map((p) => p.replace(/^linux\//, '')).join(','),
      r.hostMs.toFixed(1),
      r.allMs.toFixed(1),
      (r.allMs - r.hostMs).toFixed(1),
      r.hostMs > 0 ? (r.allMs / r.hostMs).toFixed(2) : '-',
      r.unpackMs.toFixed(1),
      r.checksMs.toFixed(1),
      r.checks,
    ]),
  ];
  const widths = (table[0] as string[]).map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  for (const r of table)
    console.log(r.map((c, i) => (i <= 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
  console.log(
    'unpack ms, checks ms: all the platforms, the two parts timed apart (the rest of all-platforms ms: temporary directories and their removal)',
  );
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`load average (1, 5, 15 min): before ${load(loadBefore)}, after ${load(loadAfter)}`);
  for (const line of notBuilt) console.log(line);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
