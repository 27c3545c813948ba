import { shown } from '../builder-errors';
import type { ChrootTools } from './host-tools';
import { findHostTool } from './host-tools';
import { bwrapCommand, chrootCommand, type SandboxInvocation } from './sandbox-command';
import { lastLines, runStepProcess, type StepCommand } from './step-process';

export type ProbeTarget =
  { kind: 'bwrap'; bwrap: string; asRoot: boolean } | { kind: 'chroot'; tools: ChrootTools; asRoot: boolean };

const PROBE_TIMEOUT_MS = 15_000;
/** The user a probe of a non-root step runs as. */
const NOBODY = 65534;

/**
 * Starts a trivial step (`sh -c :`) with exactly the flags real steps use, the host's own root
 * standing in for the build root (every mount happens in the probe's private mount namespace).
 * Probes a root step and, running as root under bubblewrap, a step as another user too.
 * Returns what went wrong, or undefined when the sandbox works.
 */
export async function probeSandbox(target: ProbeTarget): Promise<string | undefined> {
  const sh = await findHostTool('sh');
  if (sh === undefined) return 'no sh on the host to probe with';
  const base: SandboxInvocation = {
    root: '/',
    shell: sh,
    script: ':',
    env: { PATH: '/usr/bin:/bin' },
    workDir: '/',
    uid: 0,
    gid: 0,
  };
  const users = target.kind === 'bwrap' && target.asRoot ? [0, NOBODY] : [0];
  for (const id of users) {
    const inv = { ...base, uid: id, gid: id };
    const cmd: StepCommand =
      target.kind === 'bwrap' ? bwrapCommand(target.bwrap, inv, target.asRoot) : chrootCommand(target.tools, inv);
    const problem = await run(cmd);
    if (problem !== undefined) return id === 0 ? problem : `as uid ${id}: ${problem}`;
  }
  return undefined;
}

async function run(cmd: StepCommand): Promise<string | undefined> {
  try {
    const { outcome, tail } = await runStepProcess(cmd, { timeoutMs: PROBE_TIMEOUT_MS, maxLogBytes: 0 });
    if (outcome.kind === 'exited' && outcome.code === 0) return undefined;
    const how =
      outcome.kind === 'exited'
        ? `exit code ${outcome.code}`
        : outcome.kind === 'signaled'
          ? `killed by ${outcome.signal}`
          : outcome.kind;
    const said = shown(lastLines(tail, 3).replace(/\n/g, ' | '), 300);
    return `a trivial sandbox failed with ${how}${said === '' ? '' : `: ${said}`}`;
  } catch (error) {
    return `it could not be started: ${shown((error as Error).message, 200)}`;
  }
}
