import type { Build, PipelineStep } from '@patch-factory/definitions';
import { shown } from '../builder-errors';
import type { BuildOutputSpec } from './build-outputs';
import { substituteVars } from './build-vars';
import { SandboxErrorCode, sandboxTerminal } from './sandbox-errors';

/** One `runs` step, variables substituted, ready for the sandbox. */
export interface PlannedStep {
  /** Names the step in messages: `contents.builds[0].pipeline[1] "compile"`. */
  what: string;
  name: string;
  script: string;
  shell: string;
  env: Record<string, string>;
  /** Absolute, inside the build root. */
  workDir: string;
  /** `run-as` as written (a user, `uid[:gid]`…), resolved once the root is on disk. */
  runAs?: string;
}

export interface BuildPlan {
  steps: PlannedStep[];
  outputs: BuildOutputSpec[];
}

/**
 * Checks a build for what the sandbox cannot do and substitutes `${name}` variables from `vars`
 * in each step's `runs`, environment values, work-dir and the outputs' paths (see
 * {@link substituteVars}). A step's relative work-dir is below the build's work-dir (default
 * `/`); environment is the build's, then the step's; `run-as` is the step's, else the build's
 * `accounts.run-as`; the shell is the step's, else the build's, else `/bin/sh`.
 *
 * Throws `build-step-unsupported` for a build or step with `uses`, `if`, `matrix`, `caches`,
 * `secrets`, `privileged: true` or attestations, a step without `runs`, and an output with `if`
 * or `diff: true`; `build-var-unknown` for an unknown dotted variable.
 */
export function planBuild(build: Build, vars: Readonly<Record<string, string>>, where: string): BuildPlan {
  const unsupported = (what: string, why: string) =>
    sandboxTerminal(
      SandboxErrorCode.stepUnsupported,
      `${what}: ${why}, which the build sandbox does not support; remove it or write the work as shell commands in "runs"`,
    );
  if (build.uses !== undefined) throw unsupported(where, `"uses: ${shown(build.uses, 80)}" (a reusable build)`);
  if (build.if !== undefined)
    throw unsupported(where, `"if: ${shown(build.if, 80)}" (the caller decides whether a build runs)`);
  if ((build.matrix?.length ?? 0) > 0) throw unsupported(where, '"matrix"');
  if ((build.caches?.length ?? 0) > 0) throw unsupported(where, '"caches"');
  if (build.privileged === true) throw unsupported(where, '"privileged: true"');
  if ((build.attestations?.length ?? 0) > 0) throw unsupported(where, '"attestations"');

  const buildDir = absoluteDir(substituteVars(build['work-dir'] ?? '/', vars, `${where}.work-dir`), '/');
  const buildEnv = substituteEnv(build.environment ?? {}, vars, `${where}.environment`);
  const steps = (build.pipeline ?? []).map((step, i) =>
    planStep(step, i, build, buildDir, buildEnv, vars, where, unsupported),
  );
  const outputs = (build.outputs ?? []).map((o, i): BuildOutputSpec => {
    const what = `${where}.outputs[${i}]`;
    if (o.if !== undefined) throw unsupported(what, `"if: ${shown(o.if, 80)}"`);
    if (o.diff === true) throw unsupported(what, '"diff: true"');
    return {
      ...(o.source === undefined ? {} : { source: substituteVars(o.source, vars, `${what}.source`) }),
      ...(o.target === undefined ? {} : { target: substituteVars(o.target, vars, `${what}.target`) }),
      ...(o.uid === undefined ? {} : { uid: o.uid }),
      ...(o.gid === undefined ? {} : { gid: o.gid }),
      ...(o.mode === undefined ? {} : { mode: o.mode }),
    };
  });
  return { steps, outputs };
}

function planStep(
  step: PipelineStep,
  i: number,
  build: Build,
  buildDir: string,
  buildEnv: Record<string, string>,
  vars: Readonly<Record<string, string>>,
  where: string,
  unsupported: (what: string, why: string) => Error,
): PlannedStep {
  const at = `${where}.pipeline[${i}]`;
  const what = step.name === undefined ? at : `${at} "${shown(step.name, 80)}"`;
  if (step.uses !== undefined) throw unsupported(what, `"uses: ${shown(step.uses, 80)}" (a reusable step)`);
  if (step.if !== undefined) throw unsupported(what, `"if: ${shown(step.if, 80)}"`);
  if ((step.secrets?.length ?? 0) > 0) throw unsupported(what, '"secrets"');
  if ((step.caches?.length ?? 0) > 0) throw unsupported(what, '"caches"');
  if (step.privileged === true) throw unsupported(what, '"privileged: true"');
  if (step.with !== undefined) throw unsupported(what, '"with" (it belongs to "uses")');
  if (step.runs === undefined)
    throw sandboxTerminal(SandboxErrorCode.stepUnsupported, `${what} has no "runs"; give the shell commands to run`);
  const runAs = step['run-as'] ?? build.accounts?.['run-as'];
  return {
    what,
    name: step.name === undefined ? at : step.name,
    script: substituteVars(step.runs, vars, `${at}.runs`),
    shell: step.shell ?? build.shell ?? '/bin/sh',
    env: { ...buildEnv, ...substituteEnv(step.environment ?? {}, vars, `${at}.environment`) },
    workDir:
      step['work-dir'] === undefined
        ? buildDir
        : absoluteDir(substituteVars(step['work-dir'], vars, `${at}.work-dir`), buildDir),
    ...(runAs === undefined ? {} : { runAs }),
  };
}

function substituteEnv(
  env: Readonly<Record<string, string>>,
  vars: Readonly<Record<string, string>>,
  what: string,
): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substituteVars(v, vars, `${what}.${k}`)]));
}

/** `dir` made absolute against `base`; `..` stays (the sandbox refuses it rather than have it silently clamped). */
function absoluteDir(dir: string, base: string): string {
  return dir.startsWith('/') ? dir : `${base.replace(/\/+$/, '')}/${dir}`;
}
