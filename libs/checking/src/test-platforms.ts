import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, RetryableError } from '@patch-factory/contracts';
import type { Definition } from '@patch-factory/definitions';
import {
  parseConfigUser,
  runImageTests,
  runPolicyChecks,
  type ImageTestResult,
  type NotRunEntry,
  type OfPlatform,
  type PolicyCheckResult,
} from '@patch-factory/imagetest';
import { imageRunConfig, materializeImage } from './image-root';

export interface TestPlatformsOptions {
  /** The platform this host runs (see hostPlatform); undefined: it runs none of the factory's. */
  host: string | undefined;
  signal?: AbortSignal;
  /** Called before each platform and each image test. */
  onProgress?: (what: string, done: number, total: number) => void;
}

export interface PlatformsTested {
  tests: OfPlatform<ImageTestResult>[];
  checks: OfPlatform<PolicyCheckResult>[];
  /** The image tests not executed (a platform this host cannot run), each with why. */
  notRun: NotRunEntry[];
  /** The platforms whose image tests ran here. */
  executed: string[];
  /** The platforms whose image tests did not run here, with why. */
  notExecuted: { platform: string; reason: string }[];
}

/**
 * Tests every platform of the image at `layout`, one after the other, each unpacked into a
 * temporary directory (removed after):
 * - the policy checks read files only (no program of the image runs), so they run for every
 *   platform, each result tagged with its platform;
 * - the definition's `tests:` execute the image's programs, so they run only for the host's
 *   platform; for another platform each test is reported as not run, with the reason.
 */
export async function testImagePlatforms(
  layout: string,
  platforms: readonly string[],
  definition: Definition,
  opts: TestPlatformsOptions,
): Promise<PlatformsTested> {
  const out: PlatformsTested = { tests: [], checks: [], notRun: [], executed: [], notExecuted: [] };
  const defined = definition.tests ?? [];
  for (const [done, platform] of platforms.entries()) {
    if (opts.signal?.aborted) throw new RetryableError(ErrorCode.shutdown, 'image tests were stopped: cancelled');
    opts.onProgress?.(`test ${platform}`, done, platforms.length);
    const runnable = platform === opts.host;
    const work = await mkdtemp(join(tmpdir(), 'pf-test-'));
    try {
      // The image's own user must reach its root (bubblewrap runs as them).
      await chmod(work, 0o755);
      const root = join(work, 'rootfs');
      const image = await materializeImage(layout, platform, root);
      const config = imageRunConfig(image);
      if (runnable) {
        const onTest = (i: number, total: number, name: string) =>
          opts.onProgress?.(`test ${platform}: ${name}`, i, total);
        const tests = await runImageTests(root, defined, {
          env: config.env,
          user: parseConfigUser(config.user),
          workDir: config.workDir,
          ...(opts.signal ? { signal: opts.signal } : {}),
          onTest,
        });
        out.tests.push(...tests.map((t) => ({ ...t, platform })));
        out.executed.push(platform);
      } else {
        const reason = `not executed: ${platform} programs do not run on this host (${opts.host ? `it runs ${opts.host}` : 'it runs no factory platform'}); the file-only policy checks ran`;
        out.notExecuted.push({ platform, reason });
        out.notRun.push(
          ...defined.map((t, i) => ({
            name: typeof t.name === 'string' && t.name !== '' ? t.name : `tests[${i}]`,
            reason,
            platform,
          })),
        );
      }
      const checks = await runPolicyChecks(root, {
        ...(definition.variant ? { variant: definition.variant } : {}),
        ...(definition.accounts ? { accounts: definition.accounts } : {}),
        user: config.user,
      });
      out.checks.push(...checks.map((c) => ({ ...c, platform })));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return out;
}
