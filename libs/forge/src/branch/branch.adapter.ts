import { TerminalError } from '@patch-factory/contracts';
import {
  assertSeverity,
  autoMergeRuleFor,
  DEFAULT_AUTO_MERGE_POLICY,
  type AutoMergePolicy,
} from '../auto-merge-policy';
import type {
  ChangeRequest,
  EnsuredChangeRequest,
  Forge,
  MergeOutcome,
  MergeRequest,
  PullRequestRequest,
} from '../forge';
import { ForgeErrorCode, parseConfig } from '../forge-errors';
import { silentLogger, type ForgeLogger } from '../forge-logger';
import type { ForgeProvider } from '../forge-provider';
import type { CatalogWorkspace } from '../git/catalog-workspace';
import { assertImageStream, imageStreamKey, type ImageStream } from '../image-stream';
import { assertSafeBaseBranch, assertSafeBranch, assertSafeLabel, assertSafeLine } from '../safe-input';
import { BranchForgeConfigSchema, type BranchForgeConfig, type ParsedBranchForgeConfig } from './branch-config.schema';

/**
 * The `branch` forge: no pull requests. A pushed patch branch is the change request; it is
 * merged into the default branch (fast-forward, else a merge commit) when the severity policy
 * allows it and the run's gates passed; closing one deletes its branch. Idempotent: a merged
 * branch reports `already-merged`, a missing one `no-change-request`.
 */
export class BranchForge implements Forge {
  readonly provider = 'branch';
  private readonly policy: AutoMergePolicy;

  constructor(
    config: ParsedBranchForgeConfig,
    private readonly workspace: CatalogWorkspace,
    private readonly logger: ForgeLogger = silentLogger,
  ) {
    this.policy = config.autoMergePolicy ?? DEFAULT_AUTO_MERGE_POLICY;
  }

  async ensurePullRequest(request: PullRequestRequest): Promise<EnsuredChangeRequest> {
    const branch = assertSafeBranch(request.branch);
    assertSafeBaseBranch(request.base);
    assertSafeLine('the pull request title', request.title, 256);
    assertImageStream(request.imageStream);
    assertSeverity(request.severity);
    (request.labels ?? []).forEach(assertSafeLabel);
    const head = await this.workspace.branchHead(branch);
    if (head === undefined) {
      throw new TerminalError(
        ForgeErrorCode.branchMissing,
        `the branch ${branch} is not on the remote: push it (CatalogWorkspace.commitPatch) before asking for its change request`,
      );
    }
    const merged = await this.workspace.isMerged(branch);
    return { provider: this.provider, branch, state: merged ? 'merged' : 'open', headSha: head, action: 'unchanged' };
  }

  async closeSuperseded(imageStream: ImageStream, keepBranch: string): Promise<ChangeRequest[]> {
    const key = imageStreamKey(assertImageStream(imageStream));
    const keep = assertSafeBranch(keepBranch);
    const closed: ChangeRequest[] = [];
    for (const b of await this.workspace.listPatchBranches()) {
      if (b.branch === keep || b.stream !== key) continue;
      if (await this.workspace.isMerged(b.branch)) continue;
      if (await this.workspace.deleteBranch(b.branch)) {
        this.logger.info({ branch: b.branch, keep }, 'superseded branch deleted');
        closed.push({ provider: this.provider, branch: b.branch, state: 'closed', headSha: b.sha });
      }
    }
    return closed;
  }

  async closeObsolete(branch: string, reason: string): Promise<ChangeRequest | undefined> {
    const b = assertSafeBranch(branch);
    const why = assertSafeLine('the reason', reason, 300);
    const head = await this.workspace.branchHead(b);
    if (head === undefined || (await this.workspace.isMerged(b))) return undefined;
    if (!(await this.workspace.deleteBranch(b))) return undefined;
    this.logger.info({ branch: b, reason: why }, 'obsolete branch deleted');
    return { provider: this.provider, branch: b, state: 'closed', headSha: head };
  }

  async mergeWhenGreen(request: MergeRequest): Promise<MergeOutcome> {
    const branch = assertSafeBranch(request.branch);
    const rule = autoMergeRuleFor(this.policy, request.severity);
    const head = await this.workspace.branchHead(branch);
    if (head === undefined) return { status: 'no-change-request' };
    if (await this.workspace.isMerged(branch)) return { status: 'already-merged' };
    if (!rule.autoMerge)
      return { status: 'manual', detail: `the policy leaves ${request.severity} changes to a person` };
    if (!request.gatesPassed) return { status: 'gates-failed' };
    const result = await this.workspace.mergeIntoBase(
      branch,
      request.headSha === undefined ? {} : { expectedHead: request.headSha },
    );
    switch (result.status) {
      case 'fast-forward':
      case 'merge-commit':
        this.logger.info({ branch, how: result.status }, 'branch merged into the default branch');
        return {
          status: 'merged',
          method: 'merge',
          ...(result.baseSha ? { sha: result.baseSha } : {}),
          detail: result.status,
        };
      case 'already-merged':
        return { status: 'already-merged' };
      case 'head-moved':
        return { status: 'head-moved' };
      case 'conflict':
        return { status: 'blocked', detail: 'the branch conflicts with the default branch' };
      case 'missing':
        return { status: 'no-change-request' };
    }
  }

  async isMerged(branch: string): Promise<boolean> {
    return this.workspace.isMerged(assertSafeBranch(branch));
  }
}

/** Registry entry of the `branch` provider. */
export const branchForgeProvider: ForgeProvider<ParsedBranchForgeConfig> = {
  name: 'branch',
  parseConfig: (raw) => parseConfig(BranchForgeConfigSchema, raw, 'branch forge'),
  create: (config, deps) => new BranchForge(config, deps.workspace, deps.logger),
};

export type { BranchForgeConfig };
