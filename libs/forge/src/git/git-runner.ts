import { RetryableError, TerminalError } from '@patch-factory/contracts';
import { simpleGit, type SimpleGit } from 'simple-git';
import { silentLogger, type ForgeLogger } from '../forge-logger';
import { classifyGitFailure } from './git-failure';
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
  /** HTTP credentials for the remote (https, or http to a loopback address); given only to commands that reach it. */
  http?: GitHttpCredentials;
  /** Where failures are logged (git's own words, never a credential). */
  logger?: ForgeLogger;
}

/** A token for one remote origin, handed to git through its credential protocol. */
export interface GitHttpCredentials {
  /** `scheme://host[:port]` of the remote: git asks for these credentials there and nowhere else. */
  origin: string;
  username: string;
  token: string;
}

/** The environment variables, set only on a git process that reaches the remote, that carry the credentials. */
const USERNAME_VAR = 'PATCH_FACTORY_GIT_USERNAME';
const TOKEN_VAR = 'PATCH_FACTORY_GIT_TOKEN';

/**
 * A credential helper (git's credential protocol, `git help credentials`) that answers `get`
 * from the two variables above: the token is never in a URL, an argument or a file. It is
 * scoped to the remote's origin, so git offers it to no other host (a redirect, a submodule).
 */
const CREDENTIAL_HELPER = `!f() { test "$1" = get || exit 0; printf 'username=%s\\npassword=%s\\n' "$${USERNAME_VAR}" "$${TOKEN_VAR}"; }; f`;

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

/**
 * Runs git commands with simple-git in one repository folder. No business logic.
 * Note for callers on a hot path: simple-git waits 50 ms more after a git process that wrote
 * nothing at all (stdout and stderr), so frequent commands are run in a form that reports
 * something (`fetch --verbose`, `push --porcelain`, `update-index --verbose`).
 */
export class GitRunner {
  private readonly logger: ForgeLogger;

  constructor(private readonly options: GitRunnerOptions) {
    this.logger = options.logger ?? silentLogger;
  }

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

  private client(
    baseDir: string,
    input: string | undefined,
    extraEnv: Record<string, string>,
    remote: boolean,
  ): SimpleGit {
    const http = remote ? this.options.http : undefined;
    const env = this.env(http ? { ...extraEnv, [USERNAME_VAR]: http.username, [TOKEN_VAR]: http.token } : extraEnv);
    // No credential helper but ours: an empty value clears any configured one.
    const config = [
      ...SAFE_CONFIG,
      'credential.helper=',
      ...(http ? [`credential.${http.origin}.helper=${CREDENTIAL_HELPER}`] : []),
    ];
    return simpleGit({
      baseDir,
      binary: this.options.binary,
      config,
      timeout: { block: this.options.timeoutMs },
      maxConcurrentProcesses: 1,
      // Deliberate, fixed values: hooks off, fsmonitor off, global/system config off, our own credential helper.
      unsafe: {
        allowUnsafeHooksPath: true,
        allowUnsafeConfigPaths: true,
        allowUnsafeFsMonitor: true,
        allowUnsafeCredentialHelper: true,
      },
      allowEnvironment: Object.keys(env).filter((k) => k.startsWith('GIT_')),
      ...(input === undefined ? {} : { input: () => input }),
    }).env(env);
  }

  /**
   * Run `git <args>` in the repository (or in `cwd`) and return its standard output. `remote`:
   * the command reaches the remote (fetch, push, ls-remote), so it gets the HTTP credentials.
   * A failure is classified by git's own output (classifyGitFailure): RetryableError for what
   * may pass (network, 5xx, locks), TerminalError for what will not (authentication, missing
   * repository, refused push, invalid ref); the message names the subcommand and git's words.
   */
  async run(
    args: string[],
    opts: { input?: string; env?: Record<string, string>; cwd?: string; remote?: boolean } = {},
  ): Promise<string> {
    try {
      return await this.client(opts.cwd ?? this.options.dir, opts.input, opts.env ?? {}, opts.remote === true).raw(
        args,
      );
    } catch (error) {
      const secrets = this.options.http ? [this.options.http.token] : [];
      const raw = redact(error instanceof Error ? error.message : String(error), secrets);
      const failure = classifyGitFailure(raw);
      const said = gitMessage(raw, secrets);
      const command = args[0] ?? '';
      this.logger.warn({ command, code: failure.code, retryable: failure.retryable, git: said }, 'git command failed');
      const message = `git ${command} failed: ${said} (${failure.hint})`;
      throw failure.retryable ? new RetryableError(failure.code, message) : new TerminalError(failure.code, message);
    }
  }
}

/** `text` without credentials in URLs and without any of `secrets`. */
function redact(text: string, secrets: string[]): string {
  let out = text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

/** Lines of git's output that say what went wrong (the rest is progress and advice). */
const TELLING = /^(fatal|error|remote: (error|fatal)|!|warning: (redirecting|unable))|rejected|denied|refus|failed/i;

/**
 * git's own message in one line: its telling lines (fatal:, error:, ! [rejected] …) first, at
 * most six, without anything that looks like a credential in a URL nor any of `secrets`.
 */
export function gitMessage(error: unknown, secrets: string[] = []): string {
  const text = redact(error instanceof Error ? error.message : String(error), secrets);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const telling = lines.filter((l) => TELLING.test(l));
  return (telling.length > 0 ? telling : lines).slice(0, 6).join(' / ').slice(0, 800);
}
