import type { Build } from '@patch-factory/definitions';
import { writeAccounts } from '../rootfs/accounts';
import { applyPaths } from '../rootfs/paths';
import { MERGED_USR_DIRS } from '../rootfs/rootfs-path';
import { RootFs } from '../rootfs/rootfs';
import { makeBuildDir, removeBuildDir } from './build-dir';
import { collectOutputs } from './build-outputs';
import { planBuild } from './build-plan';
import { lineWriter } from './log-lines';
import { materializeRootFs } from './materialize';
import { resolveRunAs } from './run-as';
import { SandboxErrorCode, sandboxTerminal } from './sandbox-errors';
import { detectSandbox, runSandboxStep, type SandboxKind } from './sandbox';

export interface RunBuildOptions {
  /** Default: {@link detectSandbox}. */
  kind?: SandboxKind;
  /** Where the build directory is made (default: the OS temp dir); users the steps run as must be able to reach it. */
  tmpDir?: string;
  /** Per step; default 30 minutes. */
  timeoutMs?: number;
  /** Values of `${name}` variables (e.g. `package.version`). */
  vars?: Record<string, string>;
  /** Progress and step output, one line at a time. */
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Names the build in messages, e.g. `contents.builds[0]`. */
  where: string;
  /** `linux/amd64` or `linux/arm64`: the build's `paths` for other platforms are skipped. */
  platform?: string;
  /** Per step, at most this many bytes of output are logged (default 16 MiB). */
  maxLogBytes?: number;
  /**
   * SOURCE_DATE_EPOCH (seconds) every step gets, as the image's mtimes use it, so tools that
   * stamp a date into what they write stamp this one (default 0). It wins over a value the
   * definition's environment gives.
   */
  sourceDateEpoch?: number;
}

const MERGED = new Set<string>(MERGED_USR_DIRS);

/**
 * Runs one `contents.builds[]` entry: the build's `accounts` (users, groups) and `paths` are
 * applied to a copy of `buildRoot`, which is materialized in a fresh temporary directory; each
 * `pipeline[]` step's `runs` is run there in the sandbox (see {@link planBuild} for what is
 * substituted and refused, and `run-as` resolution against the root's /etc/passwd); then the
 * `outputs` are copied into `image`. The temporary directory is always removed. On failure
 * `image` may hold part of the outputs; discard it.
 */
export async function runBuild(build: Build, buildRoot: RootFs, image: RootFs, opts: RunBuildOptions): Promise<void> {
  const { where, log } = opts;
  const plan = planBuild(build, opts.vars ?? {}, where);
  const root = prepareRoot(build, buildRoot, opts);
  const kind = opts.kind ?? (await detectSandbox());
  const epoch = String(sourceDateEpochOf(opts.sourceDateEpoch, where));
  const buildDir = await makeBuildDir(opts.tmpDir);
  try {
    await materializeRootFs(root, buildDir.root);
    for (const step of plan.steps) {
      const ids =
        step.runAs === undefined ? { uid: 0, gid: 0 } : await resolveRunAs(buildDir.root, step.runAs, step.what);
      log(`${step.what}: running as ${ids.uid}:${ids.gid} in ${step.workDir} (${kind})`);
      const lines = lineWriter(log);
      try {
        await runSandboxStep(
          buildDir.root,
          {
            name: step.what,
            script: step.script,
            shell: step.shell,
            env: { ...step.env, SOURCE_DATE_EPOCH: epoch },
            workDir: step.workDir,
            ...ids,
          },
          {
            kind,
            onOutput: lines.write,
            ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
            ...(opts.signal === undefined ? {} : { signal: opts.signal }),
            ...(opts.maxLogBytes === undefined ? {} : { maxLogBytes: opts.maxLogBytes }),
          },
        );
      } finally {
        lines.flush();
      }
    }
    await collectOutputs(buildDir.root, plan.outputs, image, where);
  } finally {
    await removeBuildDir(buildDir.dir);
  }
}

function sourceDateEpochOf(value: number | undefined, where: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0)
    throw sandboxTerminal(
      SandboxErrorCode.stepUnsupported,
      `${where}: SOURCE_DATE_EPOCH ${String(value)} is not a count of seconds`,
    );
  return value;
}

/** `buildRoot` itself, or a copy with the build's accounts and paths applied. */
function prepareRoot(build: Build, buildRoot: RootFs, opts: RunBuildOptions): RootFs {
  const accounts = build.accounts;
  const hasAccounts = (accounts?.users?.length ?? 0) > 0 || (accounts?.groups?.length ?? 0) > 0;
  const paths = build.paths ?? [];
  if (!hasAccounts && paths.length === 0) return buildRoot;
  const root = copyRootFs(buildRoot, opts.where);
  if (hasAccounts) {
    writeAccounts(root, {
      ...(accounts?.['run-as'] === undefined ? {} : { 'run-as': accounts['run-as'] }),
      users: (accounts?.users ?? []).map((u) => ({ name: u.name, uid: u.uid, gid: u.gid })),
      groups: (accounts?.groups ?? []).map((g) => ({
        name: g.name,
        gid: g.gid,
        ...(g.members === undefined ? {} : { members: g.members }),
      })),
    });
  }
  applyPaths(root, paths, opts.platform === undefined ? {} : { platform: opts.platform });
  return root;
}

/** A copy of a root's entries (not its package records), for changes that must not touch the original. */
function copyRootFs(from: RootFs, where: string): RootFs {
  const copy = new RootFs();
  for (const e of from.entries()) {
    // `bin`, `lib`… are the merged-/usr links every RootFs starts with; `put` would turn them into `usr/bin`.
    if (MERGED.has(e.path)) continue;
    copy.put(e, `${where} build root`);
  }
  return copy;
}
