import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { TerminalError, type ArtifactKey } from '@patch-factory/contracts';
import type { RunReadBy } from './stage-executor';
import type { EarlierStage, RunStage } from './transitions';

/**
 * The stages whose artifacts a reader of a `RunReadBy<R>` may read: those before every stage of
 * `R`; any stage when the run comes from no executor (a plain PipelineRun: the API, the store,
 * another run read by promote).
 */
export type ReadableStage<R extends RunStage> = [RunStage] extends [R] ? RunStage : EarlierStage<R>;

/**
 * The artifact `key` that stage `stage` of `run` recorded (undefined when the run, the stage or
 * the key is missing). Typed by StageArtifacts (libs/contracts): `key` must be one that `stage`
 * records, and on a run an executor loaded (StageContext<S>.loadRun) `stage` must come before `S`.
 */
export function stageArtifact<R extends RunStage, S extends ReadableStage<R>>(
  run: RunReadBy<R> | undefined,
  stage: S,
  key: ArtifactKey<S>,
): string | undefined {
  return run?.stages.find((s) => s.stage === stage)?.artifacts[key];
}

/** A run's directory: `<out root>/<run id>` (PF_BUILD_OUT_DIR); the files its stages write are under it. */
export function runDirectory(outRoot: string, runId: string): string {
  return join(outRoot, runId);
}

const inside = (dir: string, path: string): boolean => {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
};

/**
 * What a stage records for a file it wrote under the run directory: the path relative to it
 * (`image`, `sbom/linux-amd64.cdx.json`), so that no server path leaves the API in a run (issue 14).
 */
export function runRelativePath(runDir: string, path: string): string {
  const abs = resolve(runDir, path);
  if (!inside(resolve(runDir), abs))
    throw new TerminalError(
      'invalid-artifacts',
      `a stage recorded a file outside its run directory (${relative(resolve(runDir), abs).slice(0, 200)})`,
    );
  return relative(resolve(runDir), abs).split(sep).join('/');
}

/**
 * The file an artifact names, resolved against the run directory. A path that leaves the
 * directory (`..`, an absolute path elsewhere) is refused with `invalid-artifacts`, naming the
 * stage and key; an absolute path inside it (recorded before paths were relative) is accepted.
 */
export function runFilePath(runDir: string, recorded: string, what: string): string {
  const abs = resolve(runDir, recorded);
  if (!inside(resolve(runDir), abs))
    throw new TerminalError('invalid-artifacts', `${what} names a file outside the run directory`);
  return abs;
}

/** stageArtifact() of a file, resolved against the run directory (see runFilePath). */
export function stageArtifactFile<R extends RunStage, S extends ReadableStage<R>>(
  run: RunReadBy<R> | undefined,
  stage: S,
  key: ArtifactKey<S>,
  runDir: string,
): string | undefined {
  const value = stageArtifact<R, S>(run, stage, key);
  return value === undefined ? undefined : runFilePath(runDir, value, `the ${key} of the ${stage} stage`);
}

/** A comma-separated list of files (`scan.sbom.cyclonedx`), each resolved against the run directory. */
export function stageArtifactFiles<R extends RunStage, S extends ReadableStage<R>>(
  run: RunReadBy<R> | undefined,
  stage: S,
  key: ArtifactKey<S>,
  runDir: string,
): string[] {
  const value = stageArtifact<R, S>(run, stage, key);
  return (value ? value.split(',').filter(Boolean) : []).map((v) =>
    runFilePath(runDir, v, `the ${key} of the ${stage} stage`),
  );
}

/**
 * `text` with the run directory's paths shown relative to it (`<out root>/<run>/vex.json` →
 * `vex.json`), and other runs' as `<run>/…`: what a stage's error may say in a run (issue 14).
 */
export function hideRunPaths(text: string, outRoot: string, runId: string): string {
  const dir = runDirectory(outRoot, runId);
  return text
    .split(`${dir}/`)
    .join('')
    .split(dir)
    .join('the run directory')
    .split(`${outRoot}/`)
    .join('')
    .split(outRoot)
    .join('the runs directory');
}

/** Runs a stage's work; the message of an error it throws goes through hideRunPaths (the error itself, its class and code, are kept). */
export async function hidingRunPaths<T>(outRoot: string, runId: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error) error.message = hideRunPaths(error.message, outRoot, runId);
    throw error;
  }
}
