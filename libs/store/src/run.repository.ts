import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  PipelineRunSchema,
  type PipelineRun,
  type RunState,
  type RunTrigger,
  type StageName,
  type StageRecord,
} from '@patch-factory/contracts';
import { pruneFinishedRuns } from './run-retention';
import { StoreKeys } from './store-keys';
import { TransitionBatcher, type Transition } from './transition-batcher';

export interface NewRun {
  id: string;
  definition: string;
  trigger: RunTrigger;
  stages: readonly StageName[];
  traceId?: string;
  now: number;
}

/**
 * Why the store refused an out-of-date transition: `stale` (a newer execution of the stage
 * started since, or another one's completion was accepted), `not-started` (the stage is not
 * running: never started, or the start was lost), `out-of-order` (the run's previous stage
 * has not succeeded).
 */
export type Refusal = 'stale' | 'not-started' | 'out-of-order';
export const REFUSALS: readonly Refusal[] = ['stale', 'not-started', 'out-of-order'];

/** Outcome word of a transition script. */
export type TransitionResult = 'ok' | 'dup' | 'ended' | 'missing' | 'no-stage' | Refusal;
export type StartResult =
  | { kind: 'started'; attempts: number; token: string }
  | { kind: 'done'; next: StageName | null }
  | { kind: 'ended'; state: string }
  | { kind: 'out-of-order'; detail: string }
  | { kind: 'missing' | 'no-stage' };

export function isRefusal(kind: string): kind is Refusal {
  return (REFUSALS as readonly string[]).includes(kind);
}

/** A fencing token for an execution that has none of its own (no BullMQ lock token). */
export function newExecutionToken(): string {
  return `pf-${randomBytes(12).toString('hex')}`;
}

/** How long finished runs are kept (PF_RUN_RETENTION_DAYS). */
export interface RunRetention {
  finishedRunMs: number;
}
export const DEFAULT_RUN_RETENTION_MS = 180 * 86_400_000;
/** Finished runs deleted per state per prune, and how often creating runs prunes. */
const PRUNE_BATCH = 200;
const PRUNE_INTERVAL_MS = 60_000;

export interface RunQuery {
  state?: RunState;
  definition?: string;
  limit?: number;
}

/**
 * PipelineRun state in Redis: one hash per run plus sorted-set indexes by creation, by
 * state and by definition. Writes are atomic Lua transitions, batched per event-loop turn
 * (TransitionBatcher); no business rules here beyond keeping a finished stage finished.
 */
export class RunRepository {
  private readonly keys: StoreKeys;
  private readonly batcher: TransitionBatcher;
  private nextPruneAt = 0;

  /** `retention.finishedRunMs`: how long a finished run is kept (default PF_RUN_RETENTION_DAYS' default, 180 days). */
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly retention: RunRetention = { finishedRunMs: DEFAULT_RUN_RETENTION_MS },
  ) {
    this.keys = new StoreKeys(prefix);
    this.batcher = new TransitionBatcher(redis, [this.keys.allRuns(), ...this.keys.stateIndexKeys()]);
  }

  /**
   * Deletes finished runs older than the retention (with their index entries), at most
   * `limit` per finished state; returns how many. Runs also prune as they are created (at most
   * once a minute per process), so the store holds about one retention period of history.
   */
  async pruneFinished(now = Date.now(), limit = PRUNE_BATCH): Promise<number> {
    return pruneFinishedRuns(this.redis, this.keys, now - this.retention.finishedRunMs, limit);
  }

  async create(run: NewRun): Promise<void> {
    const key = this.keys.run(run.id);
    const fields: Record<string, string> = {
      id: run.id,
      definition: run.definition,
      trigger: JSON.stringify(run.trigger),
      state: 'queued',
      createdAt: String(run.now),
      updatedAt: String(run.now),
      completions: '0',
    };
    if (run.traceId) fields['traceId'] = run.traceId;
    run.stages.forEach((stage, i) => {
      const rec: StageRecord = { stage, status: i === 0 ? 'queued' : 'pending', attempts: 0, artifacts: {} };
      if (i === 0) rec.queuedAt = run.now;
      fields[`stage:${stage}`] = JSON.stringify(rec);
    });
    fields['order'] = run.stages.join(',');
    const [kind] = await this.batcher.apply({
      op: 'create',
      runKey: key,
      auxKey: this.keys.runsOfDefinition(run.definition),
      id: run.id,
      stage: '',
      now: run.now,
      a4: JSON.stringify(Object.entries(fields).flat()),
    });
    if (kind === 'exists') throw new Error(`run ${run.id} already exists`);
    if (run.now >= this.nextPruneAt) {
      // The run is created: a prune that fails (Redis going away) must not fail the create; the next create tries again.
      this.nextPruneAt = run.now + PRUNE_INTERVAL_MS;
      await this.pruneFinished(run.now).catch(() => {
        this.nextPruneAt = 0;
      });
    }
  }

  async get(id: string): Promise<PipelineRun | undefined> {
    const h = await this.redis.hgetall(this.keys.run(id));
    return toRun(h);
  }

  /** How many times the run reached its end (1 for a finished run: the exactly-once check). */
  async completions(id: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.run(id), 'completions')) ?? 0);
  }

  async list(query: RunQuery = {}): Promise<PipelineRun[]> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
    const index = query.state
      ? this.keys.runsInState(query.state)
      : query.definition
        ? this.keys.runsOfDefinition(query.definition)
        : this.keys.allRuns();
    const ids = await this.redis.zrevrange(index, 0, limit * 4 - 1);
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.run(id));
    const rows = (await pipe.exec()) ?? [];
    const runs: PipelineRun[] = [];
    for (const [, h] of rows) {
      const run = toRun(h as Record<string, string>);
      if (!run) continue;
      if (query.state && run.state !== query.state) continue;
      if (query.definition && run.definition !== query.definition) continue;
      runs.push(run);
      if (runs.length >= limit) break;
    }
    return runs;
  }

  /**
   * Starts (or restarts) a stage for one execution, under its fencing `token` (the BullMQ lock
   * token of the delivery; a fresh one when absent), which replaces any earlier execution's.
   * Every start counts an attempt. Refused (`out-of-order`) when the previous stage has not succeeded.
   */
  async startStage(
    id: string,
    stage: StageName,
    now = Date.now(),
    token: string = newExecutionToken(),
  ): Promise<StartResult> {
    const [kind, extra] = await this.transition('start', id, stage, now, undefined, undefined, token);
    if (kind === 'started') return { kind, attempts: Number(extra), token };
    if (kind === 'done') return { kind, next: (extra || null) as StageName | null };
    if (kind === 'ended') return { kind, state: extra ?? '' };
    if (kind === 'out-of-order') return { kind, detail: extra ?? '' };
    return { kind: kind as 'missing' | 'no-stage' };
  }

  /**
   * Records a finished stage; `next` is the run's following stage (null when the run is done).
   * With the `token` of the execution (a stage job), it applies only while that execution is
   * the stage's current one; without (an outside event such as a merge), the stage must be
   * running or awaiting. Either way its previous stage must have succeeded. A refusal
   * ('stale', 'not-started', 'out-of-order') changes nothing and names no next stage.
   */
  async completeStage(
    id: string,
    stage: StageName,
    result: { durationMs: number; artifacts: Record<string, string> },
    now = Date.now(),
    token?: string,
  ): Promise<{ kind: TransitionResult; next: StageName | null; detail?: string }> {
    const [kind, extra] = await this.transition(
      'complete',
      id,
      stage,
      now,
      Math.round(result.durationMs),
      JSON.stringify(result.artifacts),
      token,
    );
    if (isRefusal(kind ?? '')) return { kind: kind as Refusal, next: null, detail: extra ?? '' };
    return { kind: kind as TransitionResult, next: (extra || null) as StageName | null };
  }

  /** Parks the stage until an outside event (fenced like completeStage when a token is given). */
  async awaitStage(
    id: string,
    stage: StageName,
    reason: string,
    now = Date.now(),
    token?: string,
  ): Promise<TransitionResult> {
    const [kind] = await this.transition('await', id, stage, now, reason, undefined, token);
    return kind as TransitionResult;
  }

  /** One attempt failed and will be retried (refused when out of date, with a token). */
  async noteAttemptFailure(
    id: string,
    stage: StageName,
    code: string,
    message: string,
    now = Date.now(),
    token?: string,
  ): Promise<TransitionResult> {
    const [kind] = await this.transition('note-failure', id, stage, now, code, message, token);
    return kind as TransitionResult;
  }

  /** Fails the run at this stage; with a token (a stage job) refused when out of date, without (dead-letter) always applied. */
  async failRun(
    id: string,
    stage: StageName,
    code: string,
    message: string,
    now = Date.now(),
    token?: string,
  ): Promise<TransitionResult> {
    const [kind] = await this.transition('fail', id, stage, now, code, message, token);
    return kind as TransitionResult;
  }

  /**
   * Puts back a stage recorded succeeded without any recorded start (0 attempts: a completion
   * applied to a store that had rolled back): 'ok' and its new status (queued, or pending
   * when its previous stage has not succeeded); 'dup' when it did start; 'ended' for an ended run.
   */
  async unstartStage(
    id: string,
    stage: StageName,
    now = Date.now(),
  ): Promise<{ kind: TransitionResult; status?: string }> {
    const [kind, status] = await this.transition('unstart', id, stage, now);
    return { kind: kind as TransitionResult, ...(status ? { status } : {}) };
  }

  /**
   * Ends a run `superseded` at `stage` by the newer run `by` (it will never be promoted);
   * 'dup' when it was already, 'ended' when the run ended otherwise or is past that stage.
   */
  async supersede(
    id: string,
    stage: StageName,
    by: string,
    reason: string,
    now = Date.now(),
  ): Promise<TransitionResult> {
    const [kind] = await this.transition('supersede', id, stage, now, by, reason.slice(0, 512));
    return kind as TransitionResult;
  }

  async reopenStage(id: string, stage: StageName, now = Date.now()): Promise<TransitionResult> {
    const [kind] = await this.transition('reopen', id, stage, now);
    return kind as TransitionResult;
  }

  private transition(
    op: Transition['op'],
    id: string,
    stage: StageName,
    now: number,
    a4?: string | number,
    a5?: string | number,
    token?: string,
  ): Promise<string[]> {
    return this.batcher.apply({ op, runKey: this.keys.run(id), id, stage, now, a4, a5, ...(token ? { token } : {}) });
  }
}

function toRun(h: Record<string, string> | null | undefined): PipelineRun | undefined {
  if (!h || !h['id'] || !h['order']) return undefined;
  const stages = h['order']
    .split(',')
    .map((s) => h[`stage:${s}`])
    .filter((raw): raw is string => typeof raw === 'string')
    .map((raw) => normaliseStage(JSON.parse(raw) as StageRecord));
  const run = {
    id: h['id'],
    definition: h['definition'],
    trigger: JSON.parse(h['trigger'] ?? '{"kind":"manual"}') as RunTrigger,
    state: h['state'],
    createdAt: Number(h['createdAt']),
    updatedAt: Number(h['updatedAt']),
    finishedAt: h['finishedAt'] ? Number(h['finishedAt']) : undefined,
    traceId: h['traceId'],
    stages,
    error: h['error'] ? (JSON.parse(h['error']) as unknown) : undefined,
    supersededBy: h['supersededBy'],
  };
  return PipelineRunSchema.parse(run);
}

/** cjson writes an empty object as `{}` but an emptied one may come back as `[]`. */
function normaliseStage(rec: StageRecord): StageRecord {
  if (Array.isArray(rec.artifacts)) rec.artifacts = {};
  return rec;
}
