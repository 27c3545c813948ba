import { createHash } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';
import { QueueName } from '@patch-factory/contracts';
import type { JobProducer } from '@patch-factory/queue';
import type { WatchTarget } from '@patch-factory/sources';

/** Every watch scheduler's id starts so (the watch queue's other schedulers are left alone). */
const SCHEDULER_PREFIX = 'watch.';
/** Most schedulers read back per page when looking for stale ones, and most pages. */
const PAGE = 500;
const MAX_PAGES = 100;

/** The job scheduler id of a target: readable, and distinct for distinct keys (`a:b` and `a/b` too). */
export function schedulerIdOf(key: string): string {
  return `${SCHEDULER_PREFIX}${key.replace(/[^A-Za-z0-9._-]/g, '.').slice(0, 120)}.${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/** The largest jitter of one poll of a target: a quarter of its interval, at most five minutes. */
export function maxJitterMs(intervalMs: number): number {
  return Math.min(Math.floor(intervalMs / 4), 300_000);
}

/**
 * The watch queue's BullMQ job schedulers, one per target (`every` its interval). A
 * scheduler's job is a tick: it becomes a poll delayed by its own random jitter (so targets
 * that share an interval do not poll in step, and no target keeps one fixed offset).
 * `sync` makes the schedulers match the targets: new ones added, changed intervals updated,
 * and the schedulers of targets that left the configuration (or the catalog) removed.
 */
export class WatchSchedules {
  constructor(
    private readonly producer: JobProducer,
    private readonly template: JobsOptions,
    private readonly random: () => number = Math.random,
  ) {}

  private get queue(): Queue {
    return this.producer.queue(QueueName.watch);
  }

  async sync(targets: readonly WatchTarget[]): Promise<{ added: string[]; removed: string[] }> {
    const wanted = new Map(targets.map((t) => [schedulerIdOf(t.key), t]));
    const existing = new Map<string, number | undefined>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const batch = await this.queue.getJobSchedulers(page * PAGE, (page + 1) * PAGE - 1, true);
      for (const s of batch) existing.set(s.key, s.every);
      if (batch.length < PAGE) break;
    }
    const added: string[] = [];
    for (const [id, t] of wanted) {
      if (existing.has(id) && existing.get(id) === t.intervalMs) continue;
      await this.queue.upsertJobScheduler(
        id,
        { every: t.intervalMs },
        { name: 'watch.poll', data: { v: 1, target: t.key }, opts: this.template },
      );
      added.push(t.key);
    }
    const removed: string[] = [];
    for (const id of existing.keys()) {
      if (id.startsWith(SCHEDULER_PREFIX) && !wanted.has(id)) {
        await this.queue.removeJobScheduler(id);
        removed.push(id);
      }
    }
    if (removed.length) await this.dropTicks(new Set(removed));
    return { added, removed };
  }

  /** Removes the ticks a removed scheduler left waiting (BullMQ removes only its delayed one). */
  private async dropTicks(schedulers: ReadonlySet<string>): Promise<void> {
    for (let page = 0; page < MAX_PAGES; page++) {
      const jobs = await this.queue.getJobs(
        ['waiting', 'delayed', 'prioritized'],
        page * PAGE,
        (page + 1) * PAGE - 1,
        true,
      );
      for (const job of jobs)
        if (job.repeatJobKey !== undefined && schedulers.has(job.repeatJobKey))
          await job.remove().catch(() => undefined);
      if (jobs.length < PAGE) break;
    }
  }

  /** Turns a scheduler's tick (job `tickId`) into one poll of `target`, delayed by a fresh random jitter; returns the delay. */
  async jitter(tickId: string, target: WatchTarget): Promise<number> {
    const delayMs = Math.floor(this.random() * maxJitterMs(target.intervalMs));
    await this.producer.enqueue(
      'watch.poll',
      { v: 1, target: target.key },
      { jobId: `${tickId.replace(/[^A-Za-z0-9._-]/g, '.').slice(0, 200)}.poll`, delayMs },
    );
    return delayMs;
  }
}
