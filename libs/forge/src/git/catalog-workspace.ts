import { PipelineError, TerminalError, RetryableError } from '@patch-factory/contracts';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCommitMessage, STREAM_TRAILER, type CommitMessage } from '../commit-message';
import { ForgeErrorCode, parseConfig } from '../forge-errors';
import type { ForgeLogger } from '../forge-logger';
import { branchNameFor } from '../image-stream';
import { assertPatchChange, MAX_PATCH_FILE_BYTES, type PatchChange } from '../patch-change';
import {
  assertSafeBaseBranch,
  assertSafeBranch,
  assertSafeCatalogPath,
  assertSafeSegment,
  quoteInput,
} from '../safe-input';
import { CatalogWorkspaceConfigSchema, type CatalogWorkspaceConfig } from './catalog-workspace-config.schema';
import { assertGitIdentity, type GitIdentity } from './git-identity';
import { GitRunner } from './git-runner';
import { SerialQueue } from './serial-queue';
import { writeTreeWith } from './tree-writer';

/** What commitPatch did. */
export type PatchCommitStatus =
  /** A new branch was pushed. */
  | 'created'
  /** The branch existed with other content; a new commit on the current base was force-pushed (with lease). */
  | 'updated'
  /** The branch already holds exactly this content: no commit, no push. */
  | 'unchanged'
  /** The default branch already holds this content: nothing to propose (the change is obsolete). */
  | 'no-change';

export interface PatchCommitResult {
  status: PatchCommitStatus;
  branch: string;
  /** The default branch the commit is based on. */
  base: string;
  baseSha: string;
  /** The branch head after the call (undefined for `no-change` when no branch exists). */
  headSha: string | undefined;
  message: CommitMessage;
}

export type MergeIntoBaseStatus =
  'fast-forward' | 'merge-commit' | 'already-merged' | 'conflict' | 'missing' | 'head-moved';

export interface MergeIntoBaseResult {
  status: MergeIntoBaseStatus;
  /** The default branch head after the call. */
  baseSha?: string;
}

/** A patch branch on the remote, with the stream its head commit names (Patch-Factory-Stream trailer). */
export interface RemoteBranch {
  branch: string;
  sha: string;
  stream: string | undefined;
}

const WORKDIR_MARKER = 'patch-factory.workdir';
/** sync()'s scope for "every branch" (not a branch name: those never hold '*'). */
const ALL_BRANCHES = '*';
const SHA = /^[0-9a-f]{40}$/;

/**
 * The factory's clone of the catalog (a bare repository in `workDir`), and every git effect
 * on the remote: patch branches, merges into the default branch, branch deletion.
 *
 * Content is written with git plumbing (hash-object / update-index / commit-tree in a private
 * index), so nothing from the remote is ever checked out on disk; hooks are off
 * (`core.hooksPath=/dev/null`), the machine's global and system git config are ignored, and
 * prompts are off. Every input is checked before the first git process starts. Idempotent:
 * the same change yields the same branch content and no second commit. Operations on one
 * instance run one at a time; give each worker process its own `workDir`.
 */
export class CatalogWorkspace {
  private readonly git: GitRunner;
  private readonly queue = new SerialQueue();
  private readonly remoteUrl: string;
  private readonly workDir: string;
  private readonly configuredBase: string | undefined;
  private resolvedBase: string | undefined;
  private remoteChecked = false;
  private cloneReady = false;
  /** A counter shared by calls and fetches: a fetch that started after a call was made is fresh enough for it. */
  private tickets = 0;
  /** Branch name (or ALL_BRANCHES) → the ticket of the last fetch that brought it. */
  private readonly fetchedAt = new Map<string, number>();
  /** The identity on the factory's commits (also how its commits are told from a person's). */
  readonly author: GitIdentity;
  /** First segment of patch branches. */
  readonly branchPrefix: string;

  constructor(config: CatalogWorkspaceConfig, deps: { logger?: ForgeLogger } = {}) {
    const c = parseConfig(CatalogWorkspaceConfigSchema, config, 'catalog workspace');
    this.author = assertGitIdentity('author', c.author);
    const committer = c.committer ? assertGitIdentity('committer', c.committer) : this.author;
    this.branchPrefix = assertSafeSegment('the branch prefix', c.branchPrefix);
    this.configuredBase = c.baseBranch === undefined ? undefined : assertSafeBaseBranch(c.baseBranch);
    this.remoteUrl = c.remoteUrl;
    this.workDir = c.workDir;
    const http = c.httpAuth
      ? { origin: new URL(c.remoteUrl).origin, username: c.httpAuth.username, token: c.httpAuth.token }
      : undefined;
    this.git = new GitRunner({
      dir: c.workDir,
      binary: c.gitBinary,
      timeoutMs: c.timeoutMs,
      author: this.author,
      committer,
      ...(http ? { http } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
  }

  /**
   * Refuse a remote the factory could never merge into: a local repository with a working tree
   * whose checked-out branch is the default branch (git refuses to update a checked-out branch
   * unless its owner set receive.denyCurrentBranch). Only local remotes are inspected (no
   * network); a remote that does not exist (yet) is left to the first fetch. Throws
   * TerminalError(forge-remote-not-bare) naming the repository and what to do. Called once
   * before the first push (reading such a remote is fine); call it at boot to fail early.
   */
  async assertRemoteUsable(): Promise<void> {
    const path = localPath(this.remoteUrl);
    if (path === undefined || !existsSync(path) || !statSync(path).isDirectory()) return;
    const inRemote = { cwd: path, env: { GIT_CEILING_DIRECTORIES: dirname(path) } };
    const bare = await this.git.run(['rev-parse', '--is-bare-repository'], inRemote).catch(() => 'true');
    if (bare.trim() !== 'false') return;
    const checkedOut = (
      await this.git.run(['symbolic-ref', '--quiet', '--short', 'HEAD'], inRemote).catch(() => '')
    ).trim();
    if (!checkedOut || (this.configuredBase !== undefined && this.configuredBase !== checkedOut)) return;
    const allowed = (await this.git.run(['config', '--get', 'receive.denyCurrentBranch'], inRemote).catch(() => ''))
      .trim()
      .toLowerCase();
    if (['updateinstead', 'ignore', 'warn', 'false'].includes(allowed)) return;
    throw new TerminalError(
      ForgeErrorCode.remoteNotBare,
      `the catalog remote ${path} is a repository with a working tree and its branch ${checkedOut} checked out: git refuses to update a checked-out branch, so no change could be merged. ` +
        `Point the remote at a bare repository (git clone --bare ${path} ${path.replace(/\/+$/, '')}.git), or, if the factory may update that working tree, run: git -C ${path} config receive.denyCurrentBranch updateInstead`,
    );
  }

  /**
   * Put the change on its stream's branch (`<prefix>/<image>/<os>/<stream>`, or `opts.branch`):
   * one commit on top of the current default branch, pushed; with force-with-lease when the
   * branch exists with other content. No new commit when the branch already holds the same tree.
   * Refuses (TerminalError forge-branch-edited) to overwrite commits made by another author.
   * Throws TerminalError(forge-unsafe-input) before any git call for hostile input.
   */
  async commitPatch(input: PatchChange, opts: { branch?: string } = {}): Promise<PatchCommitResult> {
    const change = assertPatchChange(input);
    const branch =
      opts.branch !== undefined ? assertSafeBranch(opts.branch) : branchNameFor(change.stream, this.branchPrefix);
    const message = buildCommitMessage(change);
    const asked = this.ticket();
    return this.queue.run(async () => {
      const base = await this.sync(asked, [branch]);
      const baseSha = await this.requireBase(base);
      const remoteSha = await this.revParse(`refs/remotes/origin/${branch}`);
      const tree = await writeTreeWith(this.git, this.workDir, baseSha, change.files);
      const result = { branch, base, baseSha, message };
      if (tree === (await this.revParse(`${baseSha}^{tree}`))) {
        return { ...result, status: 'no-change' as const, headSha: remoteSha };
      }
      if (remoteSha !== undefined) {
        if (tree === (await this.revParse(`${remoteSha}^{tree}`)))
          return { ...result, status: 'unchanged' as const, headSha: remoteSha };
        await this.refuseForeignCommits(branch, baseSha, remoteSha);
      }
      const commit = (
        await this.git.run(['commit-tree', tree, '-p', baseSha, '-F', '-'], { input: message.text, env: this.gitDir() })
      ).trim();
      try {
        await this.pushWithLease(commit, branch, remoteSha);
      } catch (error) {
        // Runs of one stream patch together: another worker may have pushed this very content a moment ago.
        const pushed = error instanceof RetryableError ? await this.sameTreeOnRemote(branch, tree) : undefined;
        if (pushed === undefined) throw error;
        return { ...result, status: 'unchanged' as const, headSha: pushed };
      }
      return {
        ...result,
        status: remoteSha === undefined ? ('created' as const) : ('updated' as const),
        headSha: commit,
      };
    });
  }

  /** The text of a catalog file on the default branch (or on `branch`), undefined when absent. */
  async readFile(path: string, branch?: string): Promise<string | undefined> {
    const p = assertSafeCatalogPath(path);
    const b = branch === undefined ? undefined : assertSafeBranch(branch);
    const asked = this.ticket();
    return this.queue.run(async () => {
      const base = await this.sync(asked, b === undefined ? [] : [b]);
      const sha = await this.revParse(`refs/remotes/origin/${b ?? base}`);
      if (sha === undefined) return undefined;
      const kind = (
        await this.git.run(['cat-file', '--batch-check'], { input: `${sha}:${p}\n`, env: this.gitDir() })
      ).trim();
      if (!/ blob \d+$/.test(kind)) return undefined;
      return this.git.run(['cat-file', 'blob', `${sha}:${p}`], { env: this.gitDir() });
    });
  }

  /**
   * Every regular file under `dir` (e.g. `image`) on the default branch, path → text, read
   * with one `ls-tree` and one `cat-file --batch` (no checkout). Symbolic links, submodules
   * and files over MAX_PATCH_FILE_BYTES are left out. Throws TerminalError(forge-unsafe-input)
   * for a hostile `dir` before any git call.
   */
  async readTree(dir: string): Promise<Map<string, string>> {
    const d = dir.replace(/\/+$/, '');
    if (
      !/^[a-z0-9][a-z0-9._-]{0,99}(\/[a-z0-9][a-z0-9._-]{0,99}){0,7}$/.test(d) ||
      d.split('/').some((seg) => /^\.+$/.test(seg))
    ) {
      throw new TerminalError(
        ForgeErrorCode.unsafeInput,
        `the catalog folder ${quoteInput(dir)} is refused: expected a relative path of [a-z0-9._-] segments`,
      );
    }
    const asked = this.ticket();
    return this.queue.run(async () => {
      const base = await this.sync(asked, []);
      const baseSha = await this.requireBase(base);
      const listing = await this.git.run(['ls-tree', '-r', '-z', '--full-tree', baseSha, '--', d], {
        env: this.gitDir(),
      });
      const blobs: { oid: string; path: string }[] = [];
      for (const entry of listing.split('\u0000')) {
        const tab = entry.indexOf('\t');
        if (tab < 0) continue;
        const [mode, type, oid] = entry.slice(0, tab).split(' ');
        if (type === 'blob' && (mode === '100644' || mode === '100755') && oid && SHA.test(oid))
          blobs.push({ oid, path: entry.slice(tab + 1) });
      }
      const files = new Map<string, string>();
      if (blobs.length === 0) return files;
      const out = Buffer.from(
        await this.git.run(['cat-file', '--batch'], {
          input: `${blobs.map((b) => b.oid).join('\n')}\n`,
          env: this.gitDir(),
        }),
        'utf8',
      );
      let at = 0;
      for (const blob of blobs) {
        const eol = out.indexOf(0x0a, at);
        const header = /^([0-9a-f]{40}) blob (\d+)$/.exec(out.subarray(at, eol).toString('utf8'));
        if (eol < 0 || !header || header[1] !== blob.oid) {
          throw new RetryableError(
            ForgeErrorCode.gitFailed,
            `reading ${quoteInput(blob.path)} from the catalog failed: unexpected cat-file output (a file that is not UTF-8 text?)`,
          );
        }
        const size = Number(header[2]);
        if (size <= MAX_PATCH_FILE_BYTES) files.set(blob.path, out.subarray(eol + 1, eol + 1 + size).toString('utf8'));
        at = eol + 1 + size + 1;
      }
      return files;
    });
  }

  /** The default branch (configured, else the remote's HEAD). */
  async baseBranch(): Promise<string> {
    const asked = this.ticket();
    return this.queue.run(() => this.sync(asked, []));
  }

  /** The head of a branch on the remote, after a fetch; undefined when the branch does not exist. */
  async branchHead(branch: string): Promise<string | undefined> {
    const b = assertSafeBranch(branch);
    const asked = this.ticket();
    return this.queue.run(async () => {
      await this.sync(asked, [b]);
      return this.revParse(`refs/remotes/origin/${b}`);
    });
  }

  /** True when the branch exists and its head is part of the default branch. */
  async isMerged(branch: string): Promise<boolean> {
    const b = assertSafeBranch(branch);
    const asked = this.ticket();
    return this.queue.run(async () => {
      const base = await this.sync(asked, [b]);
      const baseSha = await this.requireBase(base);
      const head = await this.revParse(`refs/remotes/origin/${b}`);
      return head !== undefined && (await this.isAncestor(head, baseSha));
    });
  }

  /**
   * Merge a branch into the default branch on the remote: a fast-forward when the branch is
   * on top of it, else a merge commit (`git merge-tree`, no checkout). `expectedHead`: merge
   * only if the branch still points there (the commit the gates ran on). Idempotent: a merged
   * branch reports `already-merged`. A conflict is reported, not forced.
   */
  async mergeIntoBase(branch: string, opts: { expectedHead?: string } = {}): Promise<MergeIntoBaseResult> {
    const b = assertSafeBranch(branch);
    if (opts.expectedHead !== undefined && !SHA.test(opts.expectedHead)) {
      throw new TerminalError(
        ForgeErrorCode.unsafeInput,
        `the expected head ${quoteInput(opts.expectedHead)} is refused: expected a 40-hex commit id`,
      );
    }
    const asked = this.ticket();
    return this.queue.run(async () => {
      const base = await this.sync(asked, [b]);
      const baseSha = await this.requireBase(base);
      const head = await this.revParse(`refs/remotes/origin/${b}`);
      if (head === undefined) return { status: 'missing', baseSha };
      if (await this.isAncestor(head, baseSha)) return { status: 'already-merged', baseSha };
      if (opts.expectedHead !== undefined && head !== opts.expectedHead) return { status: 'head-moved', baseSha };
      if (await this.isAncestor(baseSha, head)) {
        await this.pushWithLease(head, base, baseSha);
        return { status: 'fast-forward', baseSha: head };
      }
      const out = await this.git.run(['merge-tree', '--write-tree', '--name-only', '--no-messages', baseSha, head], {
        env: this.gitDir(),
      });
      const lines = out.split('\n').filter(Boolean);
      const tree = lines[0] ?? '';
      if (lines.length !== 1 || !SHA.test(tree)) return { status: 'conflict', baseSha };
      const text = `Merge branch '${b}' into ${base}\n`;
      const commit = (
        await this.git.run(['commit-tree', tree, '-p', baseSha, '-p', head, '-F', '-'], {
          input: text,
          env: this.gitDir(),
        })
      ).trim();
      await this.pushWithLease(commit, base, baseSha);
      return { status: 'merge-commit', baseSha: commit };
    });
  }

  /** Delete a branch on the remote (with lease on its current head). False when it did not exist. */
  async deleteBranch(branch: string): Promise<boolean> {
    const b = assertSafeBranch(branch);
    const asked = this.ticket();
    return this.queue.run(async () => {
      await this.sync(asked, [b]);
      const head = await this.revParse(`refs/remotes/origin/${b}`);
      if (head === undefined) return false;
      await this.push([`--force-with-lease=refs/heads/${b}:${head}`, 'origin', `:refs/heads/${b}`], b);
      // git may already have dropped the tracking ref while pushing the deletion.
      if ((await this.revParse(`refs/remotes/origin/${b}`)) !== undefined) {
        await this.git.run(['update-ref', '-d', `refs/remotes/origin/${b}`], { env: this.gitDir() });
      }
      return true;
    });
  }

  /** The patch branches (`<prefix>/…`) on the remote, with the stream their head commit names. */
  async listPatchBranches(): Promise<RemoteBranch[]> {
    const asked = this.ticket();
    return this.queue.run(async () => {
      await this.sync(asked, ALL_BRANCHES);
      const out = await this.git.run(
        [
          'for-each-ref',
          `--format=%(refname)%00%(objectname)%00%(trailers:key=${STREAM_TRAILER},valueonly,separator=%x2C)%00`,
          `refs/remotes/origin/${this.branchPrefix}/`,
        ],
        { env: this.gitDir() },
      );
      const branches: RemoteBranch[] = [];
      for (const line of out.split('\n')) {
        const [ref, sha, stream] = line.split('\u0000');
        if (!ref || !sha) continue;
        branches.push({ branch: ref.replace(/^refs\/remotes\/origin\//, ''), sha, stream: stream || undefined });
      }
      return branches;
    });
  }

  // ---- plumbing -------------------------------------------------------------------------

  private gitDir(extra: Record<string, string> = {}): Record<string, string> {
    return { GIT_DIR: this.workDir, ...extra };
  }

  private ticket(): number {
    return ++this.tickets;
  }

  /**
   * Clone (first use), then make sure the default branch and `branches` (or every branch) are
   * as fresh as the remote was at some moment after the call that took ticket `asked`: a fetch
   * another call started after that moment serves it too, so a burst of calls shares one fetch.
   * Fetches name only the refs asked for (the default branch exactly, each branch as a pattern
   * that prunes it when it is gone), so a fetch costs the same with 2 or 2,000 patch branches.
   * Returns the default branch.
   */
  private async sync(asked: number, branches: readonly string[] | typeof ALL_BRANCHES): Promise<string> {
    await this.ensureClone();
    // Until the default branch is known (the remote's HEAD, asked after the first fetch), fetch everything.
    const base = this.resolvedBase ?? this.configuredBase;
    const wanted = base === undefined || branches === ALL_BRANCHES ? [ALL_BRANCHES] : [base, ...branches];
    const all = this.fetchedAt.get(ALL_BRANCHES) ?? 0;
    if (base === undefined || !wanted.every((ref) => Math.max(all, this.fetchedAt.get(ref) ?? 0) > asked)) {
      const fetch = this.ticket();
      const refspecs =
        base === undefined || branches === ALL_BRANCHES
          ? ['+refs/heads/*:refs/remotes/origin/*']
          : [
              `+refs/heads/${base}:refs/remotes/origin/${base}`,
              ...branches.filter((b) => b !== base).map((b) => `+refs/heads/${b}*:refs/remotes/origin/${b}*`),
            ];
      // --verbose, not --quiet: git always says something, so the runner never waits out a silent process's grace period.
      await this.git.run(['fetch', '--prune', '--no-tags', '--verbose', 'origin', ...refspecs], {
        env: this.gitDir(),
        remote: true,
      });
      for (const ref of wanted) this.fetchedAt.set(ref, fetch);
    }
    if (this.resolvedBase === undefined) this.resolvedBase = base ?? (await this.remoteHead());
    return this.resolvedBase;
  }

  /** The bare clone, made on first use; a folder that is not the factory's is refused. */
  private async ensureClone(): Promise<void> {
    if (this.cloneReady && existsSync(join(this.workDir, 'HEAD'))) return;
    this.fetchedAt.clear();
    if (!existsSync(this.workDir) || readdirSync(this.workDir).length === 0) {
      mkdirSync(this.workDir, { recursive: true });
      await this.git.run(['init', '--bare', '--quiet', this.workDir], { cwd: dirname(this.workDir) });
      await this.git.run(['config', WORKDIR_MARKER, 'true'], { env: this.gitDir() });
      await this.git.run(['remote', 'add', 'origin', this.remoteUrl], { env: this.gitDir() });
    } else {
      const marker = existsSync(join(this.workDir, 'HEAD'))
        ? (await this.git.run(['config', '--get', WORKDIR_MARKER], { env: this.gitDir() }).catch(() => '')).trim()
        : '';
      if (marker !== 'true') {
        throw new TerminalError(
          ForgeErrorCode.unsafeWorkDir,
          `the work dir ${this.workDir} is not empty and is not a patch-factory clone: point workDir at an empty or factory-owned folder`,
        );
      }
      const url = (await this.git.run(['config', '--get', 'remote.origin.url'], { env: this.gitDir() })).trim();
      if (url !== this.remoteUrl)
        await this.git.run(['remote', 'set-url', 'origin', this.remoteUrl], { env: this.gitDir() });
    }
    this.cloneReady = true;
  }

  private async remoteHead(): Promise<string> {
    const out = await this.git.run(['ls-remote', '--symref', 'origin', 'HEAD'], { env: this.gitDir(), remote: true });
    const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
    if (!m?.[1]) {
      throw new TerminalError(
        ForgeErrorCode.baseMissing,
        'the remote has no HEAD branch: set baseBranch in the catalog workspace config',
      );
    }
    return assertSafeBaseBranch(m[1]);
  }

  private async requireBase(base: string): Promise<string> {
    const sha = await this.revParse(`refs/remotes/origin/${base}`);
    if (sha === undefined) {
      throw new TerminalError(
        ForgeErrorCode.baseMissing,
        `the default branch ${base} does not exist on the remote: check baseBranch`,
      );
    }
    return sha;
  }

  private async revParse(rev: string): Promise<string | undefined> {
    const out = (
      await this.git.run(['rev-parse', '--verify', '--quiet', `${rev}^{object}`], { env: this.gitDir() })
    ).trim();
    return SHA.test(out) ? out : undefined;
  }

  /**
   * Whether commit `ancestor` is an ancestor of (or is) commit `of` in this clone; undefined when
   * it cannot tell (not full hex commit ids — nothing else reaches git —, a commit the clone does
   * not have, no clone yet). The promote stage orders images by the definition commits they were
   * built from with it.
   */
  async commitAncestry(ancestor: string, of: string): Promise<boolean | undefined> {
    if (!SHA.test(ancestor) || !SHA.test(of)) return undefined;
    try {
      if (
        (await this.revParse(`${ancestor}^{commit}`)) === undefined ||
        (await this.revParse(`${of}^{commit}`)) === undefined
      )
        return undefined;
      return await this.isAncestor(ancestor, of);
    } catch {
      return undefined;
    }
  }

  private async isAncestor(ancestor: string, of: string): Promise<boolean> {
    const out = (await this.git.run(['merge-base', ancestor, of], { env: this.gitDir() })).trim();
    return out === ancestor;
  }

  /** The branch's head on the remote (fetched now) when it holds exactly `tree`; else undefined. */
  private async sameTreeOnRemote(branch: string, tree: string): Promise<string | undefined> {
    await this.sync(this.ticket(), [branch]);
    const head = await this.revParse(`refs/remotes/origin/${branch}`);
    return head !== undefined && tree === (await this.revParse(`${head}^{tree}`)) ? head : undefined;
  }

  /** Commits on the branch that the factory did not author: a person edited the branch. */
  private async refuseForeignCommits(branch: string, baseSha: string, remoteSha: string): Promise<void> {
    const out = await this.git.run(['log', '--format=%ae', `${baseSha}..${remoteSha}`], { env: this.gitDir() });
    const foreign = out.split('\n').filter((e) => e && e !== this.author.email);
    if (foreign.length > 0) {
      throw new TerminalError(
        ForgeErrorCode.branchEdited,
        `the branch ${branch} has ${foreign.length} commit(s) by someone else: the factory will not overwrite them; merge or close the change, or delete the branch to let the factory rewrite it`,
      );
    }
  }

  /** Push `sha` to `refs/heads/<branch>` only if the remote still has `expected` there (absent: must not exist). */
  private async pushWithLease(sha: string, branch: string, expected: string | undefined): Promise<void> {
    await this.push(
      [`--force-with-lease=refs/heads/${branch}:${expected ?? ''}`, 'origin', `${sha}:refs/heads/${branch}`],
      branch,
    );
    // git updates the tracking ref itself after a push (remote.origin.fetch); set it only where it did not.
    if ((await this.revParse(`refs/remotes/origin/${branch}`)) !== sha)
      await this.git.run(['update-ref', `refs/remotes/origin/${branch}`, sha], { env: this.gitDir() });
  }

  private async push(args: string[], branch: string): Promise<void> {
    if (!this.remoteChecked) {
      await this.assertRemoteUsable();
      this.remoteChecked = true;
    }
    try {
      // --porcelain: one status line per ref on stdout (and no silent process, see sync).
      await this.git.run(['push', '--porcelain', '--no-verify', ...args], { env: this.gitDir(), remote: true });
    } catch (error) {
      if (!(error instanceof PipelineError)) throw error;
      if (error.code === ForgeErrorCode.pushRefused || error.code === ForgeErrorCode.remoteNotBare) {
        throw new TerminalError(error.code, `the remote refused the push to ${branch}: ${error.message}`);
      }
      if (error.retryable && /stale info|\[rejected\]|non-fast-forward|fetch first/i.test(error.message)) {
        throw new RetryableError(
          ForgeErrorCode.branchMoved,
          `the remote branch ${branch} moved while pushing; the next attempt re-reads it (${error.message})`,
        );
      }
      throw error;
    }
  }
}

/** The folder of a local remote (absolute path or file:///), undefined for a network remote. */
function localPath(remoteUrl: string): string | undefined {
  if (isAbsolute(remoteUrl)) return remoteUrl;
  if (remoteUrl.startsWith('file:///')) return fileURLToPath(remoteUrl);
  return undefined;
}
