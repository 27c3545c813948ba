import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One commit as tests see it. */
export interface OriginCommit {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  committerName: string;
  committerEmail: string;
  subject: string;
  /** The whole message (subject, body, trailers). */
  message: string;
}

/**
 * A bare "origin" repository for tests: the definitions repository the factory patches (and
 * the repository the GitHub double pretends to host). Built with plain git plumbing, isolated
 * from the machine's git config.
 */
export interface CatalogOrigin {
  /** The temp folder holding the bare repo and anything else the test makes (`root/…`). */
  root: string;
  /** The bare repository (also its URL: a local path). */
  dir: string;
  /** Run git in the bare repository; returns stdout. */
  git(args: string[], input?: string): string;
  /** Commit files (path → text, null deletes) on `branch` (created from `from` or empty). */
  commit(
    branch: string,
    files: Record<string, string | null>,
    opts?: { message?: string; from?: string; email?: string },
  ): string;
  /** The head of a branch, undefined when absent. */
  head(branch: string): string | undefined;
  /** Every ref and what it points at. */
  refs(): Record<string, string>;
  /** The commits of `range` (`main..pf/x`, or a branch), newest first. */
  log(range: string): OriginCommit[];
  /** A file's text on a branch, undefined when absent. */
  show(branch: string, path: string): string | undefined;
  /** Remove the temp folder. */
  cleanup(): void;
}

/** git's environment for fixtures: no global or system config, fixed identity, no prompts. */
export function isolatedGitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Catalog Maintainer',
    GIT_AUTHOR_EMAIL: 'maintainer@example.invalid',
    GIT_COMMITTER_NAME: 'Catalog Maintainer',
    GIT_COMMITTER_EMAIL: 'maintainer@example.invalid',
    ...extra,
  };
}

/** A new bare origin with a `main` branch (HEAD) holding `files`. */
export function createCatalogOrigin(
  files: Record<string, string>,
  opts: { defaultBranch?: string } = {},
): CatalogOrigin {
  const root = mkdtempSync(join(tmpdir(), 'pf-origin-'));
  const dir = join(root, 'origin.git');
  const main = opts.defaultBranch ?? 'main';
  const run = (args: string[], input?: string, env: Record<string, string> = {}): string =>
    execFileSync('git', args, {
      cwd: root,
      env: isolatedGitEnv({ GIT_DIR: dir, ...env }),
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000,
    });
  execFileSync('git', ['init', '--bare', '--quiet', `--initial-branch=${main}`, dir], {
    env: isolatedGitEnv(),
    timeout: 30_000,
  });
  const head = (branch: string): string | undefined => {
    try {
      return run(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  let n = 0;
  const commit: CatalogOrigin['commit'] = (branch, changes, o = {}) => {
    const index = join(root, `index-${n++}`);
    const env = {
      GIT_INDEX_FILE: index,
      ...(o.email ? { GIT_AUTHOR_EMAIL: o.email, GIT_COMMITTER_EMAIL: o.email } : {}),
    };
    const parent = head(o.from ?? branch);
    if (parent) run(['read-tree', parent], undefined, env);
    else run(['read-tree', '--empty'], undefined, env);
    for (const [path, text] of Object.entries(changes)) {
      if (text === null) {
        run(['update-index', '--force-remove', '--', path], undefined, env);
        continue;
      }
      const blob = run(['hash-object', '-w', '--stdin'], text, env).trim();
      run(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], undefined, env);
    }
    const tree = run(['write-tree'], undefined, env).trim();
    const sha = run(
      ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'],
      o.message ?? `edit ${branch}\n`,
      env,
    ).trim();
    run(['update-ref', `refs/heads/${branch}`, sha]);
    rmSync(index, { force: true });
    return sha;
  };
  commit(main, files, { message: 'catalog: initial definitions\n' });
  return {
    root,
    dir,
    git: (args, input) => run(args, input),
    commit,
    head,
    refs: () => {
      const out = run(['for-each-ref', '--format=%(refname) %(objectname)']);
      return Object.fromEntries(
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ') as [string, string]),
      );
    },
    log: (range) => {
      const out = run(['log', '--format=%H%x00%P%x00%an%x00%ae%x00%cn%x00%ce%x00%s%x00%B%x1e', range]);
      return out
        .split('\u001e')
        .map((r) => r.replace(/^\n/, ''))
        .filter(Boolean)
        .map((r) => {
          const [sha = '', parents = '', an = '', ae = '', cn = '', ce = '', subject = '', message = ''] =
            r.split('\u0000');
          return {
            sha,
            parents: parents.split(' ').filter(Boolean),
            authorName: an,
            authorEmail: ae,
            committerName: cn,
            committerEmail: ce,
            subject,
            message,
          };
        });
    },
    show: (branch, path) => {
      try {
        return run(['cat-file', 'blob', `refs/heads/${branch}:${path}`]);
      } catch {
        return undefined;
      }
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
