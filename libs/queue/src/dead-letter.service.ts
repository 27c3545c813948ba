import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Job } from 'bullmq';
import { CONFIG, type Env } from '@patch-factory/config';
import {
  DeadLetterPayloadSchema,
  QueueName,
  TerminalError,
  queueOfJob,
  type DeadLetterPayload,
} from '@patch-factory/contracts';
import { FactoryMetrics, LOGGER, type Logger } from '@patch-factory/telemetry';
import { DEAD_LETTER_HOOKS, type DeadLetterHooks } from './dead-letter.hooks';
import { parseFailure } from './failure-reason';
import { JobProducer } from './job-producer';
import { checkJobName, validatePayload } from './payload-validation';

/** Entries kept when no config says otherwise (PF_DEAD_LETTER_MAX's default). */
export const DEFAULT_DEAD_LETTER_MAX = 10_000;
/** Entries dropped at most per trim (each capture trims; a backlog over the cap shrinks over several). */
const TRIM_BATCH = 500;

export interface DeadLetter extends DeadLetterPayload {
  id: string;
}

/** Id of a dead-letter entry: unique per final failure, so a replayed job that fails again gets a new entry. */
export function deadLetterId(queue: string, jobId: string, failedAt: number): string {
  return `${queue.replace(/[{}]/g, '')}.${jobId}.${failedAt}`;
}

/**
 * The dead-letter queue: a job that exhausts its attempts or fails terminally is copied
 * here with its reason, the domain is told (hooks), then the failed job is removed. Each
 * step is idempotent, so a crash in between is repaired by the next sweep. Replay puts a
 * job back on its queue under its original id and name.
 */
@Injectable()
export class DeadLetterService {
  constructor(
    private readonly producer: JobProducer,
    private readonly metrics: FactoryMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(DEAD_LETTER_HOOKS) private readonly hooks?: DeadLetterHooks,
    @Optional() @Inject(CONFIG) private readonly config?: Pick<Env, 'PF_DEAD_LETTER_MAX'>,
  ) {}

  /** Moves one failed job to the dead-letter queue (no-op unless it is in the failed state). */
  async capture(queue: QueueName, job: Job): Promise<string | undefined> {
    if ((await job.getState()) !== 'failed' || !job.id) return undefined;
    const { code } = parseFailure(job.failedReason);
    const failedAt = job.finishedOn ?? Date.now();
    const data: unknown = job.data;
    const runId =
      typeof data === 'object' && data && 'runId' in data
        ? String((data as { runId: unknown }).runId).slice(0, 64)
        : undefined;
    const entry: DeadLetterPayload = DeadLetterPayloadSchema.parse({
      v: 1,
      queue,
      jobId: job.id,
      jobName: String(job.name).slice(0, 128) || '(unnamed)',
      data,
      errorCode: code,
      failedReason: (job.failedReason ?? '').slice(0, 4096),
      attemptsMade: job.attemptsMade,
      failedAt,
      ...(runId ? { runId } : {}),
      ...(job.opts.priority ? { priority: job.opts.priority } : {}),
    });
    const id = deadLetterId(queue, job.id, failedAt);
    await this.producer.queue(QueueName.deadLetter).add('dead-letter.entry', entry, {
      jobId: id,
      removeOnComplete: false,
      removeOnFail: false,
    });
    await this.hooks?.onDeadLetter(entry);
    await job.remove().catch(() => undefined);
    this.metrics.deadLettered.inc({ queue, code });
    this.logger.warn({ queue, jobId: job.id, deadLetterId: id, code, runId }, 'job dead-lettered');
    await this.trim();
    return id;
  }

  /**
   * Keeps at most PF_DEAD_LETTER_MAX entries: the oldest beyond it are dropped, each logged
   * (its queue, job and reason), at most TRIM_BATCH per call. Returns how many were dropped.
   */
  async trim(max = this.config?.PF_DEAD_LETTER_MAX ?? DEFAULT_DEAD_LETTER_MAX): Promise<number> {
    const dlq = this.producer.queue(QueueName.deadLetter);
    const held = await dlq.getWaitingCount();
    if (held <= max) return 0;
    // Newest first: the entries from index `max` on are the oldest ones.
    const oldest = await dlq.getJobs(['waiting'], max, Math.min(held, max + TRIM_BATCH) - 1, false);
    let dropped = 0;
    for (const job of oldest) {
      if (!job?.id) continue;
      await job.remove().catch(() => undefined);
      dropped++;
      const entry = job.data as Partial<DeadLetterPayload>;
      this.logger.warn(
        { deadLetterId: job.id, queue: entry.queue, jobId: entry.jobId, code: entry.errorCode, max },
        'dead letter dropped: over PF_DEAD_LETTER_MAX',
      );
    }
    return dropped;
  }

  /** Captures every failed job of the given queues (repairs anything a crash left behind). */
  async sweep(queues: readonly QueueName[]): Promise<number> {
    let moved = 0;
    for (const name of queues) {
      const failed = await this.producer.queue(name).getFailed(0, 199);
      for (const job of failed) if (await this.capture(name, job)) moved++;
    }
    return moved;
  }

  async list(limit = 100): Promise<DeadLetter[]> {
    const jobs = await this.producer
      .queue(QueueName.deadLetter)
      .getJobs(['waiting', 'paused', 'prioritized'], 0, limit - 1);
    return jobs.filter((j) => j?.id).map((j) => ({ id: j.id as string, ...(j.data as DeadLetterPayload) }));
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const job = await this.producer.queue(QueueName.deadLetter).getJob(id);
    return job?.id ? { id: job.id, ...(job.data as DeadLetterPayload) } : undefined;
  }

  /** Puts a dead-lettered job back on its queue with its original job id; returns that id. */
  async replay(id: string): Promise<{ queue: string; jobId: string; jobName: string }> {
    const dlq = this.producer.queue(QueueName.deadLetter);
    const held = await dlq.getJob(id);
    if (!held) throw new TerminalError('dead-letter-not-found', `no dead-letter entry with id "${id.slice(0, 200)}"`);
    const entry = DeadLetterPayloadSchema.parse(held.data);
    const name = checkJobName(entry.jobName, `dead-letter entry ${id}`);
    if (queueOfJob(name) !== entry.queue) {
      throw new TerminalError(
        'dead-letter-mismatch',
        `entry ${id}: job ${name} does not travel on queue ${entry.queue}`,
      );
    }
    const payload = validatePayload(name, entry.data);
    const queue = this.producer.queue(queueOfJob(name));
    const existing = await queue.getJob(entry.jobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'failed' && state !== 'completed') {
        throw new TerminalError(
          'job-id-in-use',
          `entry ${id}: job ${entry.jobId} is ${state} on ${entry.queue}; not replayed`,
        );
      }
      await existing.remove();
    }
    await this.hooks?.onReplay(entry);
    // With the priority it had: a critical event's planning job goes back on its lane, not behind plain updates.
    await this.producer.enqueue(name, payload, {
      jobId: entry.jobId,
      ...(entry.priority ? { priority: entry.priority } : {}),
    });
    await held.remove();
    this.logger.info({ deadLetterId: id, queue: entry.queue, jobId: entry.jobId }, 'dead letter replayed');
    return { queue: entry.queue, jobId: entry.jobId, jobName: name };
  }
}
