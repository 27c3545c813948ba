import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { RunIdSchema } from '@patch-factory/contracts';
import type { Definition } from '@patch-factory/definitions';
import { buildCtrfReport, parseConfigUser, runImageTests, runPolicyChecks, type ImageTestResult, type PolicyCheckResult } from '@patch-factory/imagetest';
import { CatalogAccess } from '@patch-factory/patching';
import { hidingRunPaths, runDirectory, runRelativePath, type StageContext, type StageExecutor, type StageResult } from '@patch-factory/pipeline';
import { buildInputOf, hostPlatform } from './build-input';
import { catalogReader, checkingOutRoot, readRunDefinition } from './catalog-inputs';
import { CheckingErrorCode, checkingTerminal } from './checking-errors';
import { readGates } from './gates-read';
import { evaluateTests } from './gates';
import { imageRunConfig, materializeImage } from './image-root';

/** At most this many failures are named in the run's error. */
const MAX_REASONS = 10;

/**
 * The `test` stage: for each platform of the run's built image that this host can run (the
 * others are skipped, with a note in the report's environment and the `test.skipped`
 * artifact), unpacks the image root into a temporary directory and runs the definition's
 * `tests:` (libs/imagetest, sandboxed) and the policy checks on it. Writes the CTRF report to
 * `<PF_BUILD_OUT_DIR>/<runId>/test-report.json`, then applies the catalog's gates policy
 * (`.patch-factory/gates.yaml` at the run's branch): a failure fails the run with
 * `gate-tests-failed` naming the failing tests and checks. A run without a build output fails
 * with `build-artifact-missing`.
 */
@Injectable()
export class TestExecutor implements StageExecutor {
  private readonly outRoot: string;

  constructor(
    private readonly access: CatalogAccess,
    @Inject(CONFIG) config: Env,
  ) {
    this.outRoot = checkingOutRoot(config);
  }

  /** The stage; its errors name the run's files relative to the run directory (issue 14: no server path in a run). */
  execute(ctx: StageContext): Promise<StageResult> {
    return hidingRunPaths(this.outRoot, ctx.runId, () => this.executeStage(ctx));
  }

  private async executeStage(ctx: StageContext): Promise<StageResult> {
    const runId = RunIdSchema.parse(ctx.runId);
    const dir = runDirectory(this.outRoot, runId);
    const input = await buildInputOf(await ctx.loadRun(), runId, 'test', dir);
    const read = catalogReader(this.access);
    const definition = await readRunDefinition(read, ctx.definition, input.branch);
    const gates = await readGates(read, input.branch);
    const host = hostPlatform();
    const runnable = input.platforms.filter((p) => p === host);
    const skipped = input.platforms.filter((p) => p !== host);
    const start = Date.now();
    const tests: ImageTestResult[] = [];
    const checks: PolicyCheckResult[] = [];
    for (const [done, platform] of runnable.entries()) {
      ctx.progress({ what: `test ${platform}`, done, total: runnable.length });
      const onTest = (i: number, total: number, name: string) => ctx.progress({ what: `test ${platform}: ${name}`, done: i, total });
      const result = await this.testPlatform(input.layout, platform, definition, ctx.signal, onTest);
      const tag = runnable.length > 1 ? `${platform}: ` : '';
      tests.push(...result.tests.map((t) => ({ ...t, name: `${tag}${t.name}` })));
      checks.push(...result.checks);
    }
    const report = buildCtrfReport({
      tests,
      checks,
      start,
      stop: Date.now(),
      environment: {
        appName: definition.image ?? ctx.definition,
        buildName: input.digest,
        definition: ctx.definition,
        runId,
        platforms: runnable.join(',') || 'none',
        ...(skipped.length > 0 ? { skipped: `${skipped.join(',')}: ${host ? `this host runs ${host}` : 'this host runs no factory platform'}` } : {}),
      },
    });
    await mkdir(dir, { recursive: true });
    const reportPath = join(dir, 'test-report.json');
    const reportName = runRelativePath(dir, reportPath); // what the run shows: no server path (issue 14)
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    const verdict = evaluateTests(report, gates);
    const summary = report.results.summary;
    ctx.logger.info({ passed: summary.passed, failed: summary.failed, skippedPlatforms: skipped }, 'image tested');
    if (!verdict.passed) {
      const named = verdict.reasons.slice(0, MAX_REASONS).join('; ');
      const more = verdict.reasons.length > MAX_REASONS ? `; … and ${verdict.reasons.length - MAX_REASONS} more` : '';
      throw checkingTerminal(
        CheckingErrorCode.testsFailed,
        `${ctx.definition} (image ${input.digest}, ${runnable.join(', ')}): ${summary.failed} of ${summary.tests} tests and policy checks failed: ${named}${more} (report ${reportName} of the run)`,
      );
    }
    return {
      artifacts: {
        'test.report': reportName,
        'test.passed': String(summary.passed),
        'test.failed': String(summary.failed),
        ...(skipped.length > 0 ? { 'test.skipped': `${skipped.join(', ')} not tested: ${host ? `this host runs ${host}` : 'this host runs no factory platform'}` } : {}),
      },
    };
  }

  /** Unpacks and tests one platform in a temporary directory (removed after). */
  private async testPlatform(
    layout: string,
    platform: string,
    definition: Definition,
    signal: AbortSignal,
    onTest: (done: number, total: number, name: string) => void,
  ): Promise<{ tests: ImageTestResult[]; checks: PolicyCheckResult[] }> {
    const work = await mkdtemp(join(tmpdir(), 'pf-test-'));
    try {
      // The image's own user must reach its root (bubblewrap runs as them).
      await chmod(work, 0o755);
      const root = join(work, 'rootfs');
      const image = await materializeImage(layout, platform, root);
      const config = imageRunConfig(image);
      const tests = await runImageTests(root, definition.tests ?? [], { env: config.env, user: parseConfigUser(config.user), workDir: config.workDir, signal, onTest });
      const checks = await runPolicyChecks(root, { ...(definition.variant ? { variant: definition.variant } : {}), ...(definition.accounts ? { accounts: definition.accounts } : {}), user: config.user });
      return { tests, checks };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}
