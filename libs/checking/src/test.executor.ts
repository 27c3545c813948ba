import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type Env } from '@patch-factory/config';
import { RunIdSchema } from '@patch-factory/contracts';
import { buildCtrfReport } from '@patch-factory/imagetest';
import { CatalogAccess, catalogReader, readRunDefinition, runOutRoot } from '@patch-factory/catalog-access';
import {
  hidingRunPaths,
  runDirectory,
  runRelativePath,
  type StageContext,
  type StageExecutor,
  type StageResult,
} from '@patch-factory/pipeline';
import { buildInputOf, hostPlatform } from './build-input';
import { CheckingErrorCode, checkingTerminal } from './checking-errors';
import { readGates } from './gates-read';
import { evaluateTests } from './gates';
import { testImagePlatforms } from './test-platforms';

/** At most this many failures are named in the run's error. */
const MAX_REASONS = 10;

/**
 * The `test` stage: for each platform of the run's built image, unpacks the image root into a
 * temporary directory and runs the policy checks on it (they read files only); the
 * definition's `tests:` (libs/imagetest, sandboxed) run for the platform this host runs, and
 * for the others are reported `skipped` with the reason (also in the report's environment and
 * the `test.skipped` artifact). See testImagePlatforms. Writes the CTRF report to
 * `<PF_BUILD_OUT_DIR>/<runId>/test-report.json`, then applies the catalog's gates policy
 * (`.patch-factory/gates.yaml` at the run's branch): a failure fails the run with
 * `gate-tests-failed` naming the failing tests and checks with their platforms; a run in which
 * no test and no check ran fails with `gate-tests-none-ran`. A run without a build output
 * fails with `build-artifact-missing`.
 */
@Injectable()
export class TestExecutor implements StageExecutor<'test'> {
  private readonly outRoot: string;

  constructor(
    private readonly access: CatalogAccess,
    @Inject(CONFIG) config: Env,
  ) {
    this.outRoot = runOutRoot(config);
  }

  /** The stage; its errors name the run's files relative to the run directory (issue 14: no server path in a run). */
  execute(ctx: StageContext<'test'>): Promise<StageResult<'test'>> {
    return hidingRunPaths(this.outRoot, ctx.runId, () => this.executeStage(ctx));
  }

  private async executeStage(ctx: StageContext<'test'>): Promise<StageResult<'test'>> {
    const runId = RunIdSchema.parse(ctx.runId);
    const dir = runDirectory(this.outRoot, runId);
    const input = await buildInputOf(await ctx.loadRun(), runId, 'test', dir);
    const read = catalogReader(this.access);
    const definition = await readRunDefinition(read, ctx.definition, input.branch);
    const gates = await readGates(read, input.branch);
    const host = hostPlatform();
    const start = Date.now();
    const tested = await testImagePlatforms(input.layout, input.platforms, definition, {
      host,
      signal: ctx.signal,
      onProgress: (what, done, total) => ctx.progress({ what, done, total }),
    });
    const notExecuted = tested.notExecuted.map((n) => n.platform);
    const report = buildCtrfReport({
      tests: tested.tests,
      checks: tested.checks,
      notRun: tested.notRun,
      start,
      stop: Date.now(),
      environment: {
        appName: definition.image ?? ctx.definition,
        buildName: input.digest,
        definition: ctx.definition,
        runId,
        platforms: input.platforms.join(','),
        executed: tested.executed.join(',') || 'none',
        ...(notExecuted.length > 0
          ? {
              skipped: `${notExecuted.join(',')}: image tests not executed, ${host ? `this host runs ${host}` : 'this host runs no factory platform'}; policy checks ran`,
            }
          : {}),
      },
    });
    await mkdir(dir, { recursive: true });
    const reportPath = join(dir, 'test-report.json');
    const reportName = runRelativePath(dir, reportPath); // what the run shows: no server path (issue 14)
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    const verdict = evaluateTests(report, gates);
    const summary = report.results.summary;
    ctx.logger.info(
      { passed: summary.passed, failed: summary.failed, skipped: summary.skipped, notExecutedPlatforms: notExecuted },
      'image tested',
    );
    if (verdict.code === 'tests-none-ran')
      throw checkingTerminal(
        CheckingErrorCode.testsNoneRan,
        `${ctx.definition}: ${verdict.reasons.join('; ')} (report ${reportName} of the run)`,
      );
    if (!verdict.passed) {
      const named = verdict.reasons.slice(0, MAX_REASONS).join('; ');
      const more = verdict.reasons.length > MAX_REASONS ? `; … and ${verdict.reasons.length - MAX_REASONS} more` : '';
      throw checkingTerminal(
        CheckingErrorCode.testsFailed,
        `${ctx.definition} (image ${input.digest}, ${input.platforms.join(', ')}): ${summary.failed} of ${summary.tests} tests and policy checks failed: ${named}${more} (report ${reportName} of the run)`,
      );
    }
    return {
      artifacts: {
        'test.report': reportName,
        'test.passed': String(summary.passed),
        'test.failed': String(summary.failed),
        ...(notExecuted.length > 0
          ? {
              'test.skipped': `${notExecuted.join(', ')} image tests not executed: ${host ? `this host runs ${host}` : 'this host runs no factory platform'} (policy checks ran)`,
            }
          : {}),
      },
    };
  }
}
