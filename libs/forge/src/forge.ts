import type { MergeMethod, Severity } from './auto-merge-policy';
import type { ImageStream } from './image-stream';

/** Ask for the one change request (pull request) of a branch. */
export interface PullRequestRequest {
  /** The patch branch (already pushed by CatalogWorkspace.commitPatch). */
  branch: string;
  /** The branch to merge into (the catalog's default branch). */
  base: string;
  /** One line; the commit subject is a good title. */
  title: string;
  /** Markdown; see renderPullRequestBody. The provider appends the stream marker. */
  body: string;
  /** Extra labels (the provider adds its own and the severity label). */
  labels: string[];
  imageStream: ImageStream;
  severity: Severity;
}

/** A change request as the forge holds it. */
export interface ChangeRequest {
  /** The provider that holds it (`github`, `branch`). */
  provider: string;
  branch: string;
  /** The pull request number (absent in branch mode). */
  number?: number;
  /** Where a person can see it. */
  url?: string;
  state: 'open' | 'closed' | 'merged';
  /** The head commit the forge sees. */
  headSha?: string;
}

/** What ensurePullRequest did. */
export interface EnsuredChangeRequest extends ChangeRequest {
  action: 'created' | 'updated' | 'unchanged';
}

/** Ask to merge a branch once it may be merged. */
export interface MergeRequest {
  branch: string;
  severity: Severity;
  /** The run's gates (build, test, scan, sign) passed for `headSha`. */
  gatesPassed: boolean;
  /** The commit the gates ran on: nothing is merged if the branch moved since. */
  headSha?: string;
}

/** Why a merge did or did not happen. */
export type MergeStatus =
  /** Merged by this call. */
  | 'merged'
  /** Merged before (by a person, or an earlier attempt): nothing to do. */
  | 'already-merged'
  /** The severity policy leaves this change to a person. */
  | 'manual'
  /** The run's gates did not pass. */
  | 'gates-failed'
  /** The forge's own checks on the head commit are still running. */
  | 'checks-pending'
  /** The forge's own checks on the head commit failed. */
  | 'checks-failed'
  /** The head commit reports no checks at all (no CI ran) and the policy does not allow merging unchecked changes. */
  | 'no-checks'
  /** The branch moved after the gates ran: the new head needs its own run. */
  | 'head-moved'
  /** The forge refuses the merge now (branch protection, conflicts). */
  | 'blocked'
  /** There is no open change request for the branch. */
  | 'no-change-request';

export interface MergeOutcome {
  status: MergeStatus;
  /** The merge method used (when merged). */
  method?: MergeMethod;
  /** The commit the default branch points at after merging. */
  sha?: string;
  /** A short reason a person can read (for blocked / checks). */
  detail?: string;
}

/**
 * Where patch branches become reviewed changes: a pull request provider (`github`) or none
 * (`branch`: merge straight into the default branch). Every method is idempotent, so a job
 * that runs twice has its effect once; the branch name is the idempotency key. Providers
 * hold no business logic: which severity auto-merges is the AutoMergePolicy table.
 */
export interface Forge {
  /** The provider's registry name. */
  readonly provider: string;

  /**
   * Create the change request of `branch`, or update the open one (title, body, base,
   * labels): exactly one open change request per branch, however often it is called.
   */
  ensurePullRequest(request: PullRequestRequest): Promise<EnsuredChangeRequest>;

  /**
   * Close every other open change request of the same image stream (an older branch of the
   * stream), with a note that names `keepBranch`. Returns the ones closed by this call.
   */
  closeSuperseded(imageStream: ImageStream, keepBranch: string): Promise<ChangeRequest[]>;

  /**
   * Close the open change request of `branch` because its change is no longer needed (the
   * default branch already has it, the advisory was withdrawn), saying why. Undefined when
   * nothing was open.
   */
  closeObsolete(branch: string, reason: string): Promise<ChangeRequest | undefined>;

  /**
   * Merge the change request of `branch` if the severity policy allows it without a person,
   * the run's gates passed, the branch is still at `headSha`, and the forge's checks are green:
   * every reported check passed, every check the base branch's protection requires reported
   * and passed, and at least one check reported (unless the policy's `allowUnchecked`).
   * Otherwise say why not. Never merges twice.
   */
  mergeWhenGreen(request: MergeRequest): Promise<MergeOutcome>;

  /** True when the change of `branch` is in the default branch. */
  isMerged(branch: string): Promise<boolean>;
}
