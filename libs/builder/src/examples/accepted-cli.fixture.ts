// Test helpers (not a suite): `patch-factory` as people run it, the compiled
// dist/tools/cli/src/main.js through tools/node/run.cjs, in a process of its own.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { tool, type ToolResult } from './accepted-tools.fixture';

const MAIN = 'dist/tools/cli/src/main.js';

/**
 * Refuses to run against a missing or stale build (`npm run build` writes dist/): a stale
 * dist would test yesterday's CLI.
 */
export function checkCliBuilt(): void {
  const root = repoRoot();
  const pairs = [
    [MAIN, 'tools/cli/src/main.ts'],
    ['dist/tools/cli/src/build-command.js', 'tools/cli/src/build-command.ts'],
    ['dist/libs/builder/src/build/build-image.js', 'libs/builder/src/build/build-image.ts'],
  ] as const;
  for (const [built, source] of pairs) {
    if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run npm run build first`);
    if (statSync(join(root, built)).mtimeMs < statSync(join(root, source)).mtimeMs)
      throw new Error(`${built} is older than ${source}: run npm run build first`);
  }
}

/** The environment of the CLI: this one without PF_BUILD_* and SOURCE_DATE_EPOCH, then `extra`. */
export function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PF_') && k !== 'SOURCE_DATE_EPOCH') env[k] = v;
  return { ...env, ...extra };
}

/** `patch-factory args…` from the repository root; resolves when it exits, with its time. */
export async function patchFactory(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<ToolResult & { ms: number }> {
  const start = Date.now();
  const res = await tool(process.execPath, [join(repoRoot(), 'tools', 'node', 'run.cjs'), MAIN, ...args], {
    env,
    cwd: repoRoot(),
    timeoutMs: 240_000,
  });
  return { ...res, ms: Date.now() - start };
}

/** The last non-empty line of a text. */
export function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}
