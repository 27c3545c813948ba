import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { buildDefinitionText, buildSettings, type BuildSettings } from '@patch-factory/builder';
import { CONFIG, type Env } from '@patch-factory/config';
import { RunIdSchema } from '@patch-factory/contracts';
import { CatalogAccess, readRunDefinitionText } from '@patch-factory/catalog-access';
import {
  hidingRunPaths,
  runDirectory,
  runRelativePath,
  stageArtifact,
  type StageContext,
  type StageExecutor,
  type StageResult,
} from '@patch-factory/pipeline';

/** At most this much build log is kept per run (the head and the end survive). */
const MAX_LOG_LINES = 5000;

/**
 * The `build` stage: reads the run's definition from the catalog (the patch branch when the
 * run has one, else the default branch), builds it (libs/builder) and leaves, under
 * PF_BUILD_OUT_DIR/<runId>/, the OCI image layout (`image/`), the build log (`build.log`)
 * and the resolved packages with their checksums (`packages.json`, which provenance needs).
 * A failed build fails the run with the builder's code and reason; its partial image is
 * discarded (the log stays, with the reason at its end). A retry with unchanged inputs finds
 * the layout whole and keeps it.
 */
@Injectable()
export class BuildExecutor implements StageExecutor<'build'> {
  private readonly settings: BuildSettings;

  private readonly catalogRemote: string | undefined;

  constructor(
    private readonly access: CatalogAccess,
    @Inject(CONFIG) config: Env,
  ) {
    this.settings = buildSettings(config);
    this.catalogRemote = config.PF_CATALOG_REMOTE;
  }

  /** The stage; its errors name the run's files relative to the run directory (issue 14: no server path in a run). */
  execute(ctx: StageContext<'build'>): Promise<StageResult<'build'>> {
    return hidingRunPaths(this.settings.outRoot, ctx.runId, () => this.executeStage(ctx));
  }

  private async executeStage(ctx: StageContext<'build'>): Promise<StageResult<'build'>> {
    const runId = RunIdSchema.parse(ctx.runId);
    const run = await ctx.loadRun();
    const branch = stageArtifact(run, 'patch', 'patch.branch');
    const workspace = this.access.workspace();
    const text = await readRunDefinitionText((path, at) => workspace.readFile(path, at), ctx.definition, branch);
    // The commit the definition was read at, for the image's provenance.
    const commit = await workspace.branchHead(branch ?? (await workspace.baseBranch()));
    const dir = runDirectory(this.settings.outRoot, runId);
    await mkdir(dir, { recursive: true });
    const paths = { layout: join(dir, 'image'), log: join(dir, 'build.log'), packages: join(dir, 'packages.json') };
    const lines: string[] = [
      `build ${ctx.definition}${branch ? ` at ${branch}` : ''} (run ${runId}, attempt ${ctx.attempt})`,
    ];
    let steps = 0;
    const log = (line: string) => {
      if (lines.length < MAX_LOG_LINES) lines.push(line);
      ctx.logger.debug({ line }, 'build');
      // Every line of the builder (a platform prepared, a build step's output, layers planned) is a step forward.
      ctx.progress({ what: `build: ${line.slice(0, 120)}`, done: ++steps });
    };
    try {
      const result = await buildDefinitionText(text, {
        where: ctx.definition,
        outDir: paths.layout,
        cacheDir: this.settings.cacheDir,
        sources: this.settings.sources,
        sourceDateEpoch: this.settings.sourceDateEpoch,
        ...(this.settings.sandbox ? { sandbox: this.settings.sandbox } : {}),
        signal: ctx.signal,
        log,
        // Each package in hand and each layer written is a step forward too (a long download or layer logs no line).
        progress: (step) => ctx.progress({ ...step, what: `build: ${step.what.slice(0, 120)}` }),
      });
      await writeFile(
        paths.packages,
        `${JSON.stringify({ digest: result.digest, inputKey: result.inputKey, platforms: result.platforms }, null, 2)}\n`,
      );
      // Where the definition came from, for the image's provenance (the sign stage, `patch-factory sign --run-dir`).
      const source = {
        definition: ctx.definition,
        repository: this.catalogRemote ?? 'unknown',
        ...(branch ? { branch } : {}),
        ...(commit ? { commit } : {}),
      };
      await writeFile(join(dir, 'source.json'), `${JSON.stringify(source, null, 2)}\n`);
      // What went into the image, by platform (the builder's own lines only count the packages).
      for (const p of result.platforms)
        for (const pkg of p.packages) log(`${p.platform}: package ${pkg.name} ${pkg.version} (${pkg.architecture})`);
      lines.push(`image ${result.digest}`);
      ctx.logger.info(
        { digest: result.digest, reused: result.reused, hits: result.cache.hits, misses: result.cache.misses },
        'image built',
      );
      return {
        artifacts: {
          'build.digest': result.digest,
          // Relative to the run directory: no server path leaves the API in a run (issue 14).
          'build.layout': runRelativePath(dir, paths.layout),
          'build.log': runRelativePath(dir, paths.log),
          'build.packages': runRelativePath(dir, paths.packages),
          ...(commit ? { 'build.commit': commit } : {}),
        },
      };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      lines.push(`failed${typeof code === 'string' ? ` (${code})` : ''}: ${(error as Error).message}`);
      // A failed attempt leaves no image, not even an earlier attempt's: the run's output is this build's or nothing.
      await rm(paths.packages, { force: true });
      await rm(paths.layout, { recursive: true, force: true });
      throw error;
    } finally {
      await writeFile(paths.log, `${lines.join('\n')}\n`);
    }
  }
}
