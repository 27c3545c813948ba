import { createHash } from 'node:crypto';
import { upstreamEventJobId, type UpstreamEvent } from '@patch-factory/contracts';
import { planningPriority } from './event-planning';
import type { JobProducer } from './job-producer';

/** Events of one advisory on the lane at once when no config says otherwise (PF_ADVISORY_EVENT_BATCH's default). */
export const DEFAULT_ADVISORY_EVENT_BATCH = 100;

/** How long a batch's event list is kept at most (its continuation normally ends it much sooner). */
const BATCH_TTL_SECONDS = 30 * 86_400;

/**
 * Writes the batch list once (KEYS[1]; ARGV: ttl, then `<priority>|<event id>` entries, pushed
 * 1,000 at a time: Lua's unpack has a limit): a replayed advisory, or a producer retried after a
 * crash, finds it there and writes nothing.
 */
const STORE_BATCH = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`;

/** What one step of a batch put on the planning lane: its planning jobs, and the next step's job if any. */
export interface PlanningStep {
  jobIds: string[];
  next?: string;
}

/**
 * The planning lane: every producer of planning jobs (API, watchers, advisory feeds) goes
 * through here. Each `event.upstream` job carries its event's priority (event-planning.ts),
 * so a security fix is planned before a plain update. The events of one advisory go on the
 * lane `PF_ADVISORY_EVENT_BATCH` at a time, most severe first: the rest wait in a batch list
 * (deterministic id, written once) and an `event.planning-batch` continuation job (deterministic
 * id) puts the next batch on when the orchestrator reaches it, behind anything of its priority
 * that arrived meanwhile. Every step is idempotent, so a crash or a replay loses nothing and
 * plans nothing twice (planning jobs have deterministic ids too).
 */
export class EventPlanningQueue {
  constructor(private readonly producer: JobProducer) {}

  /** Puts one event's planning job on the lane with its priority; returns its job id. */
  async plan(event: Pick<UpstreamEvent, 'id' | 'severity' | 'advisory' | 'security'>): Promise<string> {
    return this.producer.enqueue(
      'event.upstream',
      { v: 1, eventId: event.id },
      { jobId: upstreamEventJobId(event.id), priority: planningPriority(event) },
    );
  }

  /**
   * Puts the events of one advisory (or any burst) on the lane: the first batch now, the rest
   * by continuation. Events must already be in the store (payloads carry ids). Returns what
   * this first step enqueued.
   */
  async planAll(
    events: readonly Pick<UpstreamEvent, 'id' | 'severity' | 'advisory' | 'security'>[],
  ): Promise<PlanningStep> {
    const size = this.batchSize();
    const entries = [...new Map(events.map((e) => [e.id, planningPriority(e)])).entries()]
      .map(([id, priority], i) => ({ id, priority, i }))
      .sort((a, b) => a.priority - b.priority || a.i - b.i)
      .map(({ id, priority }) => `${priority}|${id}`);
    if (entries.length <= size) return { jobIds: await this.enqueueEntries(entries) };
    // The same events (in any order) are the same batch; its list is written once and read back,
    // so a replay follows the order first stored.
    const batch = createHash('sha256')
      .update([...entries].sort().join('\n'))
      .digest('hex')
      .slice(0, 32);
    await this.producer.connection.eval(STORE_BATCH, 1, this.batchKey(batch), String(BATCH_TTL_SECONDS), ...entries);
    return this.step(batch, 0, await this.producer.connection.lrange(this.batchKey(batch), 0, size));
  }

  /** The continuation: the batch's events from `offset` on the lane, and the next continuation (idempotent). */
  async continueBatch(batch: string, offset: number): Promise<PlanningStep> {
    const entries = await this.producer.connection.lrange(this.batchKey(batch), offset, offset + this.batchSize());
    const step = await this.step(batch, offset, entries);
    // The last step: the list has served its purpose (a retry of this job finds it gone and does nothing more).
    if (!step.next) await this.producer.connection.del(this.batchKey(batch));
    return step;
  }

  /** `window` holds at most one batch and the entry after it (which, when present, names the next step's priority). */
  private async step(batch: string, offset: number, window: readonly string[]): Promise<PlanningStep> {
    const size = this.batchSize();
    const jobIds = await this.enqueueEntries(window.slice(0, size));
    const following = window[size];
    if (following === undefined) return { jobIds };
    const next = await this.producer.enqueue(
      'event.planning-batch',
      { v: 1, batch, offset: offset + size },
      { jobId: `planning-batch.${batch}.${offset + size}`, priority: parseEntry(following).priority },
    );
    return { jobIds, next };
  }

  private async enqueueEntries(entries: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const entry of entries) {
      const { priority, eventId } = parseEntry(entry);
      ids.push(
        await this.producer.enqueue(
          'event.upstream',
          { v: 1, eventId },
          { jobId: upstreamEventJobId(eventId), priority },
        ),
      );
    }
    return ids;
  }

  private batchSize(): number {
    return this.producer.settings.PF_ADVISORY_EVENT_BATCH ?? DEFAULT_ADVISORY_EVENT_BATCH;
  }

  private batchKey(batch: string): string {
    return `${this.producer.settings.PF_PREFIX}:planning-batch:${batch}`;
  }
}

function parseEntry(entry: string): { priority: number; eventId: string } {
  const bar = entry.indexOf('|');
  return { priority: Number(entry.slice(0, bar)), eventId: entry.slice(bar + 1) };
}
