// Test helpers (not a suite, not built): build roots made of the host's own binaries, and which sandboxes this host has.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { RootFs } from '../rootfs/rootfs';
import type { SandboxKind } from './sandbox';

/** Host programs a test root holds (with the libraries `ldd` lists). */
export const HOST_PROGRAMS = [
  '/usr/bin/dash',
  '/usr/bin/bash',
  '/usr/bin/cat',
  '/usr/bin/mkdir',
  '/usr/bin/id',
  '/usr/bin/sleep',
  '/usr/bin/ln',
  '/usr/bin/chown',
  '/usr/bin/chmod',
  '/usr/bin/ls',
];

export const AS_ROOT = process.getuid?.() === 0;

/**
 * A RootFs holding the host's `programs` and their shared libraries (bytes copied, paths as on
 * the host, so merged /usr), `/bin/sh` → dash, and `extra` entries.
 */
export function hostRootFs(programs: readonly string[] = HOST_PROGRAMS): RootFs {
  const root = new RootFs();
  const files = new Set<string>();
  for (const program of programs) {
    files.add(program);
    for (const lib of sharedLibraries(program)) files.add(lib);
  }
  for (const path of files) {
    root.put(
      { path, type: 'file', mode: 0o755, uid: 0, gid: 0, mtime: 0, data: readFileSync(realpathSync(path)) },
      'host root',
    );
  }
  root.put(
    {
      path: 'usr/bin/sh',
      type: 'symlink',
      mode: 0o777,
      uid: 0,
      gid: 0,
      mtime: 0,
      linkTarget: 'dash',
      data: Buffer.alloc(0),
    },
    'host root',
  );
  return root;
}

/** The absolute library paths `ldd` prints for a program. */
function sharedLibraries(program: string): string[] {
  const out = execFileSync('ldd', [program], { encoding: 'utf8' });
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1] ?? '').filter((p) => p !== '');
}

/**
 * Every sandbox kind: each spec runs in both, always. A missing tool (bubblewrap, capsh…) or not
 * running as root fails those tests with the sandbox's own message; it never skips them.
 */
export const SANDBOX_KINDS: readonly SandboxKind[] = ['bwrap', 'chroot'];

/**
 * Fails (never skips) when the tests do not run as root: the chroot sandbox and steps as other
 * users need it, and CI runs as root.
 */
export function requireRoot(what: string): void {
  if (!AS_ROOT) throw new Error(`${what} need root (CI runs them as root): run jest as root`);
}
