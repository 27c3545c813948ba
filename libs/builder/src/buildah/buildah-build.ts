import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { shownPath } from '../builder-errors';
import { buildArgs, pushArgs } from './buildah-args';
import { BuildahErrorCode, buildahRetryable, buildahTerminal, outputTail } from './buildah-errors';
import { readPushedDigest } from './buildah-layout';
import { checkBuildOptions, type BuildahBuildOptions, type CheckedBuild } from './buildah-options';
import { runProcess, type ProcessOutcome } from './buildah-process';
import { createStorage, removeStorage, type BuildahStorage } from './buildah-storage';
import { findTools, namespaced, searchPath, type BuildahTools } from './buildah-tools';

export type { BuildahBuildOptions } from './buildah-options';

/** The built image. */
export interface BuildahBuildResult {
  /** The manifest digest in the OCI layout (`sha256:…`). */
  digest: string;
}

const PROBE_TIMEOUT_MS = 30_000;

/** Whether buildah and unshare are installed and buildah runs in private namespaces (root). */
export async function buildahAvailable(): Promise<boolean> {
  const tools = await findTools();
  if ('missing' in tools) return false;
  const outcome = await runProcess(tools.unshare, namespaced(tools, ['--version']), {
    env: { PATH: searchPath(), LC_ALL: 'C' },
    log: () => undefined,
    deadline: Date.now() + PROBE_TIMEOUT_MS,
  });
  return outcome.exitCode === 0;
}

/**
 * Builds a Dockerfile definition with buildah into the OCI image layout `outDir`, in a private
 * vfs storage that is removed afterwards whatever happens. Reproducible: the same Dockerfile,
 * context contents (not their mtimes or owners), args, platform and epoch give the same digest
 * with the same buildah. Errors: `build-dockerfile-invalid` (refused before buildah runs),
 * `build-buildah-unavailable`, `build-buildah-failed` (with the tail of buildah's output;
 * retryable after a timeout). An abort rejects with the signal's reason. On any failure the
 * output directory is left empty (or removed, if this call made it).
 */
export async function buildWithBuildah(opts: BuildahBuildOptions): Promise<BuildahBuildResult> {
  opts.signal?.throwIfAborted();
  const build = checkBuildOptions(opts);
  const tools = await findTools();
  if ('missing' in tools) {
    throw buildahTerminal(
      BuildahErrorCode.unavailable,
      `cannot build ${shownPath(build.contextDir)}: ${tools.missing.join(' and ')} not found on PATH; install buildah (Debian: apt-get install buildah)`,
    );
  }
  const madeOut = await prepareDirectories(build);
  const ctx: RunContext = { build, tools, log: opts.log, signal: opts.signal, deadline: Date.now() + build.timeoutMs };
  let storage: BuildahStorage | undefined;
  try {
    storage = await createStorage(build.tempDir, build.dockerfile);
    const digest = await buildAndPush(ctx, storage);
    await removeStorage(storage.dir);
    return { digest };
  } catch (error) {
    if (storage) {
      await removeStorage(storage.dir).catch((leak: unknown) =>
        safeLog(opts.log, `could not remove buildah storage ${storage?.dir ?? ''}: ${String(leak)}`),
      );
    }
    await clearOutput(build.outDir, madeOut);
    throw error;
  }
}

interface RunContext {
  build: CheckedBuild;
  tools: BuildahTools;
  log: (line: string) => void;
  signal: AbortSignal | undefined;
  deadline: number;
}

async function buildAndPush(ctx: RunContext, storage: BuildahStorage): Promise<string> {
  const where = shownPath(ctx.build.contextDir);
  const probe = await step(ctx, storage, [...storage.globalArgs, '--version']);
  if (!probe.stopped && !probe.spawnError && probe.exitCode !== 0) {
    throw buildahTerminal(
      BuildahErrorCode.unavailable,
      `buildah ${shownPath(ctx.tools.buildah)} cannot run in private network, mount and PID namespaces (unshare needs root) to build ${where}: ${outputTail(probe.tail)}`,
    );
  }
  check(ctx, probe, 'start', where);
  check(ctx, await step(ctx, storage, buildArgs(ctx.build, storage)), 'build', where);
  const imageId = (await readFile(storage.imageIdFile, 'utf8').catch(() => '')).trim();
  if (!/^sha256:[0-9a-f]{64}$/.test(imageId))
    throw buildahTerminal(
      BuildahErrorCode.failed,
      `buildah build of ${where} succeeded but wrote no image id to its --iidfile`,
    );
  check(ctx, await step(ctx, storage, pushArgs(ctx.build, storage, imageId)), 'push', where);
  const reported = await readFile(storage.digestFile, 'utf8').catch(() => '');
  return readPushedDigest(ctx.build.outDir, reported);
}

function step(ctx: RunContext, storage: BuildahStorage, args: string[]): Promise<ProcessOutcome> {
  safeLog(ctx.log, `buildah ${args.join(' ')}`);
  return runProcess(ctx.tools.unshare, namespaced(ctx.tools, args), {
    env: storage.env,
    log: ctx.log,
    deadline: ctx.deadline,
    signal: ctx.signal,
  });
}

/** Turns a finished step into its error, if it failed. */
function check(ctx: RunContext, outcome: ProcessOutcome, what: string, where: string): void {
  if (outcome.stopped === 'abort') throw ctx.signal?.reason ?? new Error('aborted');
  if (outcome.spawnError) {
    throw buildahTerminal(
      BuildahErrorCode.unavailable,
      `cannot run ${shownPath(ctx.tools.unshare)} for buildah ${what} of ${where}: ${outcome.spawnError.message}`,
      outcome.spawnError,
    );
  }
  if (outcome.stopped === 'timeout') {
    throw buildahRetryable(
      BuildahErrorCode.failed,
      `buildah ${what} of ${where} did not finish within ${ctx.build.timeoutMs} ms and was killed; last output: ${outputTail(outcome.tail)}`,
    );
  }
  if (outcome.exitCode !== 0) {
    throw buildahTerminal(
      BuildahErrorCode.failed,
      `buildah ${what} of ${where} failed (exit code ${String(outcome.exitCode)}): ${outputTail(outcome.tail)}`,
    );
  }
}

/**
 * The context must be a directory; the output must not exist yet or be an empty directory
 * (`buildah push oci:` would add to an existing index). Makes it; true when it did not exist.
 */
async function prepareDirectories(build: CheckedBuild): Promise<boolean> {
  const invalid = (message: string) => buildahTerminal(BuildahErrorCode.dockerfileInvalid, message);
  const context = await stat(build.contextDir).catch(() => undefined);
  if (!context?.isDirectory())
    throw invalid(`build context ${shownPath(build.contextDir)} is not an existing directory`);
  const out = await stat(build.outDir).catch(() => undefined);
  if (out && (!out.isDirectory() || (await readdir(build.outDir)).length > 0)) {
    throw invalid(
      `output directory ${shownPath(build.outDir)} already exists and is not empty; give a new or empty directory`,
    );
  }
  if (!out) {
    await mkdir(build.outDir, { recursive: true }).catch((error: unknown) => {
      throw buildahTerminal(
        BuildahErrorCode.dockerfileInvalid,
        `cannot make output directory ${shownPath(build.outDir)}: ${String(error)}`,
        error,
      );
    });
  }
  return !out;
}

/** After a failure: no half-written layout stays behind. */
async function clearOutput(outDir: string, made: boolean): Promise<void> {
  if (made) {
    await rm(outDir, { recursive: true, force: true }).catch(() => undefined);
    return;
  }
  const names = await readdir(outDir).catch(() => []);
  await Promise.all(
    names.map((name) => rm(join(outDir, name), { recursive: true, force: true }).catch(() => undefined)),
  );
}

function safeLog(log: (line: string) => void, line: string): void {
  try {
    log(line);
  } catch {
    // Ignored, as in runProcess.
  }
}
