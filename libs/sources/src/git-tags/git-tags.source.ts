import { RetryableError } from '@patch-factory/contracts';
import { simpleGit } from 'simple-git';
import { observe, OutcomeCollector } from '../observe';
import type { PollResult, Source, SourceDeps, SourceState } from '../source';
import { SourceErrorCode } from '../sources-errors';
import { assertSafeRemoteUrl, displayRemote } from './git-remote-url';
import { parseGitTagsConfig, type GitTagsConfig } from './git-tags-config.schema';

/** Variables git may see: where it runs and the user's keys/credentials; prompts off, transports limited. */
const PASSED_ENV = ['PATH', 'HOME', 'SSH_AUTH_SOCK', 'XDG_CONFIG_HOME', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM'];

function gitEnv(): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GIT_ALLOW_PROTOCOL: 'file:https:ssh', LANG: 'C' };
  for (const k of PASSED_ENV) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

/** Most lines of `git ls-remote` output read (a tag takes one or two). */
const MAX_LINES = 50_000;

/** Tag name → the commit it points at (the peeled `^{}` line wins for annotated tags), in listing order. */
export function parseLsRemoteTags(output: string): Map<string, string> {
  const direct = new Map<string, string>();
  const peeled = new Map<string, string>();
  const lines = output.split('\n', MAX_LINES);
  for (const line of lines) {
    const m = /^([0-9a-f]{40}|[0-9a-f]{64})\trefs\/tags\/(.+)$/.exec(line.length > 1000 ? '' : line.replace(/\r$/, ''));
    if (!m?.[1] || m[2] === undefined) continue;
    if (m[2].endsWith('^{}')) peeled.set(m[2].slice(0, -3), m[1]);
    else direct.set(m[2], m[1]);
  }
  const out = new Map<string, string>();
  for (const [name, sha] of direct) out.set(name, peeled.get(name) ?? sha);
  return out;
}

/**
 * `git_tags`: the tags of any git repository (`git ls-remote --tags`), each with its commit
 * (annotated tags peeled). Stateless: every poll lists every matching tag.
 */
export class GitTagsSource implements Source<GitTagsConfig> {
  readonly kind = 'git_tags';

  constructor(private readonly deps: SourceDeps) {}

  parseConfig(raw: unknown): GitTagsConfig {
    return parseGitTagsConfig(raw);
  }

  async poll(config: GitTagsConfig, _state: SourceState, signal: AbortSignal): Promise<PollResult> {
    const url = assertSafeRemoteUrl(config.url);
    const shown = displayRemote(url);
    const git = simpleGit({
      abort: signal,
      timeout: { block: this.deps.git?.timeoutMs ?? 60_000 },
      allowEnvironment: ['GIT_TERMINAL_PROMPT', 'GIT_ALLOW_PROTOCOL', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM'],
    }).env(gitEnv());
    let output: string;
    try {
      output = await git.listRemote(['--tags', url]);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new RetryableError(
        SourceErrorCode.unavailable,
        `git could not list the tags of ${shown}: check the URL and that the remote is reachable`,
        { cause: error },
      );
    }
    const out = new OutcomeCollector();
    for (const [tag, commit] of parseLsRemoteTags(output)) out.add(observe(shown, config.track, { tag, commit }));
    return { observations: out.observations, rejected: out.rejected, state: {}, notModified: 0 };
  }
}

/** The registry entry. */
export const gitTagsSource = (deps: SourceDeps): GitTagsSource => new GitTagsSource(deps);
