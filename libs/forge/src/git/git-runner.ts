import { RetryableError } from '@patch-factory/contracts';
import { simpleGit, type SimpleGit } from 'simple-git';
import { ForgeErrorCode } from '../forge-error-code';
import type { GitIdentity } from './git-identity';

/** How git is run for the factory: isolated from the machine's and the repository's settings. */
export interface GitRunnerOptions {
  /** The repository folder (a bare clone owned by the factory). */
  dir: string;
  /** The git executable (default `git`); a path of plain characters only. */
  binary: string;
  /** A git process that prints nothing for this long is killed. */
  timeoutMs: number;
  author: GitIdentity;
  committer: GitIdentity;
}

/**
 * `-c` settings on every command: no hooks (neither the clone's nor a configured hooks path),
 * no fsmonitor, no interactive credential prompts, plain output (git itself never allows `ext::`).
 */
const SAFE_CONFIG = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'credential.interactive=never',
  'commit.gpgSign=false',
  'color.ui=false',
  'advice.detachedHead=false',
];

/** Environment variables handed to git; everything else from the process is dropped. */
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'SSH_AUTH_SOCK'];

/** Runs git commands with simple-git in one repository folder. No business logic. */
export class GitRunner {
  constructor(private readonly options: GitRunnerOptions) {}

  /** The environment of every git process: no global/system config, no prompts, our identity. */
  private env(extra: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {};
    for (const key of PASSED_THROUGH) {
      const v = process.env[key];
      if (v !== undefined) env[key] = v;
    }
    const { author, committer } = this.options;
    return {
      ...env,
      LANG: 'C',
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
      ...extra,
    };
  }

  private client(baseDir: string, input: string | undefined, extraEnv: Record<string, string>): SimpleGit {
    const env = this.env(extraEnv);
    return simpleGit({
      baseDir,
      binary: this.options.binary,
      config: SAFE_CONFIG,
      timeout: { block: this.options.timeoutMs },
      maxConcurrentProcesses: 1,
      // Deliberate, fixed values: hooks off, fsmonitor off, global/system config off.
      unsafe: { allowUnsafeHooksPath: true, allowUnsafeConfigPaths: true, allowUnsafeFsMonitor: true },
      allowEnvironment: Object.keys(env).filter((k) => k.startsWith('GIT_')),
      ...(input === undefined ? {} : { input: () => input }),
    }).env(env);
  }

  /**
   * Run `git <args>` in the repository (or in `cwd`) and return its standard output.
   * A failure becomes RetryableError(forge-git-failed) naming the subcommand and git's message.
   */
  async run(args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<string> {
    try {
      return await this.client(opts.cwd ?? this.options.dir, opts.input, opts.env ?? {}).raw(args);
    } catch (error) {
      throw new RetryableError(ForgeErrorCode.gitFailed, `git ${args[0] ?? ''} failed: ${gitMessage(error)}`);
    }
  }
}

/** The first lines of git's own message, without anything that looks like a credential in a URL. */
export function gitMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 6)
    .join(' / ')
    .slice(0, 800);
}
