import { RUN_STATES, type RunState } from '@patch-factory/contracts';

/**
 * Redis keys of the domain store. Every key carries the `{store}` hash tag so that the
 * multi-key scripts below run on Redis Cluster too (one slot for the store).
 */
export class StoreKeys {
  constructor(private readonly prefix: string) {}

  run(id: string): string {
    return `${this.prefix}:{store}:run:${id}`;
  }
  allRuns(): string {
    return `${this.prefix}:{store}:runs`;
  }
  runsInState(state: RunState): string {
    return `${this.prefix}:{store}:runs:state:${state}`;
  }
  runsOfDefinition(definition: string): string {
    return `${this.prefix}:{store}:runs:def:${definition}`;
  }
  /** The runs waiting on a pull request, by its head branch. */
  runsOfBranch(branch: string): string {
    return `${this.prefix}:{store}:pr-branch:${branch}`;
  }
  /** A webhook delivery already handled (by provider and delivery id). */
  delivery(provider: string, id: string): string {
    return `${this.prefix}:{store}:delivery:${provider}:${id}`;
  }
  event(id: string): string {
    return `${this.prefix}:{store}:event:${id}`;
  }
  patchRequest(id: string): string {
    return `${this.prefix}:{store}:patch-request:${id}`;
  }
  /** The runs of a PatchRequest's files (hash file → run id). */
  patchRequestRuns(id: string): string {
    return `${this.prefix}:{store}:patch-request:${id}:runs`;
  }
  watchState(target: string): string {
    return `${this.prefix}:{store}:watch:${target}:state`;
  }
  /** Versions of a watched source, each with the time it was first seen. */
  seenVersions(target: string): string {
    return `${this.prefix}:{store}:watch:${target}:seen`;
  }
  advisory(id: string): string {
    return `${this.prefix}:{store}:advisory:${id}`;
  }
  /** The full OSV document of every advisory seen (hash id → `{ modifiedMs, osv }` JSON). */
  advisoryDocuments(): string {
    return `${this.prefix}:{store}:advisory-documents`;
  }
  /** The stored OSV documents by `modified` (sorted set id → modified ms): the oldest go first beyond the cap. */
  advisoryDocumentsByModified(): string {
    return `${this.prefix}:{store}:advisory-documents:by-modified`;
  }
  advisoryStreams(id: string): string {
    return `${this.prefix}:{store}:advisory:${id}:streams`;
  }
  /** Release tags of a repository (hash tag → `{ digest, runId, at }` JSON). */
  releaseTags(repository: string): string {
    return `${this.prefix}:{store}:release:${repository}:tags`;
  }
  /** Every tag move of a repository, newest first (capped list of JSON). */
  releaseHistory(repository: string): string {
    return `${this.prefix}:{store}:release:${repository}:history`;
  }
  /** The last image promoted from a definition (`{ digest, runId, scanReport?, at }` JSON). */
  publishedImage(definition: string): string {
    return `${this.prefix}:{store}:published:${definition}`;
  }
  /** The stream of image events (image.published / image.updated) for the notifier. */
  imageEvents(): string {
    return `${this.prefix}:{store}:image-events`;
  }
  /** An image event already appended (its id), so that a rerun appends it once. */
  imageEventSeen(id: string): string {
    return `${this.prefix}:{store}:image-event:${id}`;
  }
  /** One run's promotion: its plan (where each tag pointed before) and which of its writes are done. */
  promotion(runId: string): string {
    return `${this.prefix}:{store}:promotion:${runId}`;
  }
  /** The run promoting into a release repository now (its tags move one promotion at a time). */
  promotionLock(repository: string): string {
    return `${this.prefix}:{store}:release:${repository}:promoting`;
  }
  /** The state index keys, in the order the Lua scripts expect them (KEYS[2..]). */
  stateIndexKeys(): string[] {
    return RUN_STATES.map((s) => this.runsInState(s));
  }
}
