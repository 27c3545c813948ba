import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAr, type BuildImageResult, type PackageCache } from '@patch-factory/builder';

/**
 * The floor of a build: the best a shell does on this machine with the same packages. Each
 * distinct package's `data.tar.*` member, taken out of its .deb beforehand (not timed) into a
 * file of its own, is decompressed and hashed by
 *
 *     ls -S | xargs -d '\n' -n 1 -P "$(nproc)" sh -c '<decompressor> -dc "$1" | sha256sum' sh
 *
 * as many pipelines side by side as there are cores, the largest members first (`ls -S`) so that
 * no big one starts last. The decompressor follows the member's suffix: xz, zstd, gzip, or cat
 * for an uncompressed data.tar. Timed: the whole shell command, from spawn to exit; every
 * member's hash line is counted, so a floor that skipped a member fails the bench.
 */
export interface FloorResult {
  ms: number;
  /** CPU time of the shell pipeline and everything it ran (cpuWithChildrenMs). */
  cpuMs: number;
  /** Compressed bytes of the members. */
  bytes: number;
  members: number;
  /** What the shell's `nproc` said: the number of pipelines side by side. */
  parallel: number;
}

const SCRIPT = [
  'nproc',
  `ls -S | xargs -d '\\n' -n 1 -P "$(nproc)" sh -c 'case "$1" in *.xz) xz -dc "$1";; *.zst) zstd -dc "$1";; *.gz) gzip -dc "$1";; *) cat "$1";; esac | sha256sum' sh`,
].join('\n');

const SUFFIXES = ['.xz', '.zst', '.gz'] as const;

/** Writes the distinct data.tar members of the build's packages into `dir`; returns their count and size. */
function extractMembers(
  result: BuildImageResult,
  cache: PackageCache,
  dir: string,
): { members: number; bytes: number } {
  const seen = new Set<string>();
  let bytes = 0;
  for (const p of result.platforms) {
    for (const pkg of p.packages) {
      if (seen.has(pkg.sha256)) continue;
      seen.add(pkg.sha256);
      const member = readAr(readFileSync(cache.pathOf(pkg.sha256)), pkg.name).find((m) =>
        m.name.startsWith('data.tar'),
      );
      if (!member) throw new Error(`${pkg.name} has no data.tar member`);
      const suffix = SUFFIXES.find((s) => member.name.endsWith(s)) ?? '';
      writeFileSync(join(dir, `${String(seen.size).padStart(4, '0')}.tar${suffix}`), member.data);
      bytes += member.data.length;
    }
  }
  return { members: seen.size, bytes };
}

function runShell(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', SCRIPT], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(new Error(`the floor's shell pipeline exited ${String(code)}`)),
    );
  });
}

const CLK_TCK = 100; // USER_HZ on Linux

/**
 * CPU time (ms, user + system) of this process and of every child it has waited for (xz, the
 * floor's shell and what it ran): /proc/self/stat's utime, stime, cutime and cstime. The
 * difference over a phase is what the phase cost on every core, whatever else loads the machine.
 */
export function cpuWithChildrenMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) * (1000 / CLK_TCK);
}

/** Runs the floor over the packages of `result`, read from `cache`. */
export async function buildFloor(result: BuildImageResult, cache: PackageCache): Promise<FloorResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pf-bench-floor-'));
  try {
    const { members, bytes } = extractMembers(result, cache, dir);
    const [t0, cpu0] = [performance.now(), cpuWithChildrenMs()];
    const out = await runShell(dir);
    const [ms, cpuMs] = [performance.now() - t0, cpuWithChildrenMs() - cpu0];
    const [nproc, ...lines] = out.trim().split('\n');
    const hashes = lines.filter((line) => /^[0-9a-f]{64} {2}-$/.test(line)).length;
    if (hashes !== members) throw new Error(`the floor hashed ${hashes} of ${members} members`);
    return { ms, cpuMs, bytes, members, parallel: Number(nproc) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
