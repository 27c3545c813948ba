// Test helpers (not a suite): the example catalog's definitions, built against a loopback
// mirror of Debian 12 holding the closed set of their packages (libs/testing).
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseDefinition, type Definition } from '@patch-factory/definitions';
import {
  EXAMPLE_MIRROR_PACKAGES,
  exampleMirrors,
  repoRoot,
  startDebianMirrorFixture,
  type DebianMirrorFixture,
} from '@patch-factory/testing';
import type { BuildSourcesOptions } from '../source/build-sources';

export const run = promisify(execFile);

/** The example definitions, by a short name. */
export const EXAMPLES = {
  static: 'static/debian-12/static.yaml',
  'static-dev': 'static/debian-12/static-dev.yaml',
  redis: 'redis/debian-12/7.0.yaml',
  'redis-dev': 'redis/debian-12/7.0-dev.yaml',
  'busybox-dev': 'busybox/debian-12/1.35-dev.yaml',
} as const;
export type ExampleName = keyof typeof EXAMPLES;

export function exampleFile(name: ExampleName): string {
  return join(repoRoot(), 'examples', 'catalog', 'image', EXAMPLES[name]);
}

export function exampleDefinition(name: ExampleName): Definition {
  const parsed = parseDefinition(readFileSync(exampleFile(name)), EXAMPLES[name]);
  if (!parsed.ok) throw new Error(`${EXAMPLES[name]}: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.value;
}

export interface ExampleMirror {
  fixture: DebianMirrorFixture;
  sources: BuildSourcesOptions;
  /** PF_BUILD_* for a child process (the CLI). */
  env: Record<string, string>;
}

/**
 * Starts the mirror and a trusted-keyring directory in which the mirror's key has the name
 * the examples' `signed-by=` gives (debian-archive-keyring.gpg).
 */
export async function startExampleMirror(architectures = ['amd64', 'arm64']): Promise<ExampleMirror> {
  const fixture = await startDebianMirrorFixture({ packages: [...EXAMPLE_MIRROR_PACKAGES], architectures });
  const keyringDir = mkdtempSync(join(tmpdir(), 'pf-example-keys-'));
  copyFileSync(join(fixture.keyringDir, fixture.keyringName), join(keyringDir, 'debian-archive-keyring.gpg'));
  const mirrors = exampleMirrors(fixture.baseUrl);
  const closeMirror = fixture.close.bind(fixture);
  fixture.close = async () => {
    await closeMirror();
    rmSync(keyringDir, { recursive: true, force: true });
  };
  return {
    fixture,
    sources: { keyringDir, mirrors },
    env: { PF_BUILD_KEYRING_DIR: keyringDir, PF_BUILD_MIRRORS: JSON.stringify(mirrors) },
  };
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(dir, { recursive: true });
  return dir;
}
