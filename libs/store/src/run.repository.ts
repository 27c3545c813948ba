import type { Redis } from 'ioredis';
import {
  PipelineRunSchema,
  type PipelineRun,
  type RunState,
  type RunTrigger,
  type StageName,
  type StageRecord,
} from '@patch-factory/contracts';
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

/** Outcome word of a transition script. */
export type TransitionResult = 'ok' | 'dup' | 'ended' | 'missing' | 'no-stage';
export type StartResult =
  | { kind: 'started'; attempts: number }
  | { kind: 'done'; next: StageName | null }
  | { kind: 'ended'; state: string }
  | { kind: 'missing' | 'no-stage' };

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

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StoreKeys(prefix);
    this.batcher = new TransitionBatcher(redis, [this.keys.allRuns(), ...this.keys.stateIndexKeys()]);
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

  async startStage(id: string, stage: StageName, now = Date.now()): Promise<StartResult> {
    const [kind, extra] = await this.transition('start', id, stage, now);
    if (kind === 'started') return { kind, attempts: Number(extra) };
    if (kind === 'done') return { kind, next: (extra || null) as StageName | null };
    if (kind === 'ended') return { kind, state: extra ?? '' };
    return { kind: kind as 'missing' | 'no-stage' };
  }

  /** Records a finished stage; `next` is the run's following stage (null when the run is done). */
  async completeStage(
    id: string,
    stage: StageName,
    result: { durationMs: number; artifacts: Record<string, string> },
    now = Date.now(),
  ): Promise<{ kind: TransitionResult; next: StageName | null }> {
    const [kind, next] = await this.transition('complete', id, stage, now, Math.round(result.durationMs), JSON.stringify(result.artifacts));
    return { kind: kind as TransitionResult, next: (next || null) as StageName | null };
  }

  async awaitStage(id: string, stage: StageName, reason: string, now = Date.now()): Promise<TransitionResult> {
    const [kind] = await this.transition('await', id, stage, now, reason);
    return kind as TransitionResult;
  }

  async noteAttemptFailure(id: string, stage: StageName, code: string, message: string, now = Date.now()): Promise<TransitionResult> {
    const [kind] = await this.transition('note-failure', id, stage, now, code, message);
    return kind as TransitionResult;
  }

  async failRun(id: string, stage: StageName, code: string, message: string, now = Date.now()): Promise<TransitionResult> {
    const [kind] = await this.transition('fail', id, stage, now, code, message);
    return kind as TransitionResult;
  }

  /**
   * Ends a run `superseded` at `stage` by the newer run `by` (it will never be promoted);
   * 'dup' when it was already, 'ended' when the run ended otherwise or is past that stage.
   */
  async supersede(id: string, stage: StageName, by: string, reason: string, now = Date.now()): Promise<TransitionResult> {
    const [kind] = await this.transition('supersede', id, stage, now, by, reason.slice(0, 512));
    return kind as TransitionResult;
  }

  async reopenStage(id: string, stage: StageName, now = Date.now()): Promise<TransitionResult> {
    const [kind] = await this.transition('reopen', id, stage, now);
    return kind as TransitionResult;
  }

  private transition(op: Transition['op'], id: string, stage: StageName, now: number, a4?: string | number, a5?: string | number): Promise<string[]> {
    return this.batcher.apply({ op, runKey: this.keys.run(id), id, stage, now, a4, a5 });
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
