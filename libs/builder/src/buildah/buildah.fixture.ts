// Test helpers (not a suite, not built) for the buildah adapter's specs.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Why buildah cannot run here in the adapter's namespaces (`unshare --net --mount --pid`), or
 * undefined when it can. A missing buildah is a test failure, not a skip: the project's
 * infra/scripts/ensure-tools.sh (run by ./factory test) installs it.
 */
export function buildahProblem(): string | undefined {
  const probe = spawnSync(
    'unshare',
    ['--net', '--mount', '--pid', '--fork', '--kill-child', '--', 'buildah', '--version'],
    { encoding: 'utf8' },
  );
  if (probe.status === 0) return undefined;
  const why = (probe.error?.message ?? probe.stderr).trim() || `exit code ${String(probe.status ?? probe.signal)}`;
  return `buildah cannot run here inside unshare --net --mount --pid (${why}); infra/scripts/ensure-tools.sh installs buildah (apt-get install buildah), and unshare needs root or user namespaces`;
}

/** Writes files (path → text) under dir and returns dir. */
export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/**
 * A build context for a base image with a shell: the host's /bin/bash and the libraries
 * `ldd` names (dynamic loader included), under rootfs/ at their host paths.
 */
export function bashBaseContext(dir: string): string {
  const libs = execFileSync('ldd', ['/bin/bash'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);
  for (const path of ['/bin/bash', ...libs]) {
    mkdirSync(dirname(join(dir, 'rootfs', path)), { recursive: true });
    copyFileSync(path, join(dir, 'rootfs', path));
  }
  return dir;
}

/** Processes whose command line mentions `text` (a storage path: buildah or a RUN step). */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) found.push(Number(name));
    } catch {
      // It ended meanwhile.
    }
  }
  return found;
}
