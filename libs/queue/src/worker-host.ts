import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CONFIG, type Env } from '@patch-factory/config';
import { ErrorCode, PipelineError, TerminalError, queueOfJob, type JobName, QueueName } from '@patch-factory/contracts';
import { FactoryMetrics, LOGGER, type Logger } from '@patch-factory/telemetry';
import { DeadLetterService } from './dead-letter.service';
import { formatFailure, parseFailure } from './failure-reason';
import { HandlerRegistry } from './handler-registry';
import type { JobContext } from './on-job.decorator';
import { checkJobName, validatePayload } from './payload-validation';
import { QUEUE_OPTIONS, REDIS_CONNECTION, type QueueModuleOptions } from './queue.options';
import { ProgressTracker } from './progress-tracker';
import { RedisOutageMonitor } from './redis-outage.monitor';

const RELEASED = Symbol('released');
/** The first delay of a job put back because a suspect runs alone here; doubled at each deferral. */
const ISOLATION_DELAY_MS = 250;
/** How often one job is put back for a suspect before it runs beside it anyway. */
export const MAX_DEFERRALS = 4;
/** How often a waiting suspect checks whether the jobs beside it have finished. */
const DRAIN_POLL_MS = 50;

/** The job recovered from a stall that runs alone in this process, and until when. */
interface Isolation {
  key: string;
  until: number;
}

/** BullMQ's view of an error: terminal ones become UnrecoverableError (never retried). */
export function toBullError(error: unknown): Error {
  if (error instanceof DelayedError || error instanceof UnrecoverableError) return error;
  if (error instanceof PipelineError) {
    const text = formatFailure(error.code, error.message);
    return error.retryable ? new Error(text) : new UnrecoverableError(text);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new Error(formatFailure(ErrorCode.executorFailed, message));
}

/**
 * Runs the BullMQ workers of the queues a service owns: validates each job's name and
 * payload, dispatches to its @OnJob handler, dead-letters final failures, and on SIGTERM
 * lets active jobs finish, or releases them back to their queue, within a bound.
 */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly workers: Worker[] = [];
  private readonly active = new Map<string, AbortController>();
  /** The job recovered from a stall that runs alone in this process now, if any (bounded in time). */
  private isolated: Isolation | undefined;
  private readonly deferrals = new Map<string, number>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    @Inject(REDIS_CONNECTION) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: Env,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueModuleOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly registry: HandlerRegistry,
    private readonly deadLetters: DeadLetterService,
    private readonly metrics: FactoryMetrics,
    private readonly progress: ProgressTracker,
    private readonly outage: RedisOutageMonitor,
  ) {}

  /** The queues this service consumes. */
  get queues(): QueueName[] {
    return [...new Set(this.options.owns.map((j) => queueOfJob(j)))];
  }

  get isClosing(): boolean {
    return this.closing;
  }

  onApplicationBootstrap(): void {
    for (const queue of this.queues) this.workers.push(this.startWorker(queue));
    if (this.workers.length > 0) {
      void this.sweep();
      this.sweepTimer = setInterval(() => void this.sweep(), this.config.PF_DLQ_SWEEP_MS);
      this.sweepTimer.unref();
    }
  }

  private startWorker(queue: QueueName): Worker {
    const jobs = this.options.owns.filter((j) => queueOfJob(j) === queue);
    const rows = jobs.map((j) => this.options.jobOptions[j]);
    const lockDuration = this.config.PF_LOCK_DURATION_MS ?? Math.max(...rows.map((r) => r.lockDurationMs));
    // Webhook attempts mostly wait on receivers: many in flight (a slow endpoint holds at most its own share).
    const concurrency =
      queue === QueueName.webhooks ? this.config.PF_WEBHOOK_CONCURRENCY : this.config.PF_WORKER_CONCURRENCY;
    const worker = new Worker(queue, (job, token) => this.process(queue, jobs, job, token), {
      connection: this.redis,
      prefix: this.config.PF_PREFIX,
      concurrency,
      lockDuration,
      stalledInterval: this.config.PF_STALLED_INTERVAL_MS ?? lockDuration,
      maxStalledCount: Math.max(...rows.map((r) => r.maxStalledCount)),
      autorun: true,
    });
    worker.on('failed', (job, error) => void this.onFailed(queue, job, error));
    worker.on('completed', () => this.progress.mark());
    worker.on('progress', () => this.progress.mark());
    worker.on('error', (error) => {
      // A Redis outage is one line (the monitor's), not one per connection and reconnect attempt.
      if (!this.outage.report(error, `worker ${queue}`))
        this.logger.error({ queue, err: error.message }, 'worker error');
    });
    this.logger.info({ queue, jobs, lockDuration, concurrency }, 'worker started');
    return worker;
  }

  private async process(queue: QueueName, owned: readonly JobName[], job: Job, token?: string): Promise<unknown> {
    this.progress.mark();
    const key = `${queue}/${job.id}`;
    await this.isolateSuspects(key, job, token);
    const controller = new AbortController();
    this.active.set(key, controller);
    try {
      const name = checkJobName(job.name, `queue ${queue}`);
      if (!owned.includes(name)) {
        throw new TerminalError(ErrorCode.unknownJob, `queue ${queue}: job ${name} does not travel on this queue`);
      }
      const payload = validatePayload(name, job.data);
      const handler = this.registry.get(name);
      if (!handler) throw new TerminalError(ErrorCode.unknownJob, `no handler registered for ${name}`);
      const root = this.logger;
      let logger: Logger | undefined;
      // The job's child logger is made on first use: most jobs never log.
      const ctx: JobContext = {
        job,
        token,
        signal: controller.signal,
        get logger(): Logger {
          return (logger ??= root.child({ queue, jobId: job.id, job: name }));
        },
      };
      const running = handler(payload, ctx);
      const released = new Promise<typeof RELEASED>((resolve) =>
        controller.signal.addEventListener('abort', () => resolve(RELEASED), { once: true }),
      );
      const outcome = await Promise.race([running, released]);
      if (outcome === RELEASED) {
        running.catch(() => undefined);
        await job.moveToDelayed(Date.now(), token);
        this.logger.warn({ queue, jobId: job.id }, 'job released on shutdown');
        throw new DelayedError();
      }
      return outcome;
    } catch (error) {
      throw toBullError(error);
    } finally {
      this.active.delete(key);
      if (this.isolated?.key === key) this.isolated = undefined;
      this.progress.mark();
    }
  }

  /**
   * A job that comes back from a stall may be what killed its last worker (a poison that
   * crashes the process). It runs alone, for PF_SUSPECT_ISOLATION_MS at most: it waits (in
   * this process, holding its lock, not put back) until the jobs beside it have finished, and
   * meanwhile other jobs this process is handed are put back (delayed, not failed: no attempt
   * and no stall spent). So a crashing job takes down no innocent job beside it, and innocent
   * jobs do not use up their stall allowance riding along with a poison. Bounded: after the
   * isolation time everything runs side by side again, and no job is put back more than
   * MAX_DEFERRALS times (with doubling delays, never past the isolation's end by much).
   */
  private async isolateSuspects(key: string, job: Job, token: string | undefined): Promise<void> {
    const now = Date.now();
    if (this.isolated && this.isolated.until <= now) this.isolated = undefined;
    const suspect = (job.stalledCounter ?? 0) > 0;
    if (this.isolated) {
      const n = (this.deferrals.get(key) ?? 0) + 1;
      if (n <= MAX_DEFERRALS) {
        if (this.deferrals.size > 10_000) this.deferrals.clear();
        this.deferrals.set(key, n);
        const backoff = ISOLATION_DELAY_MS * 2 ** (n - 1);
        const delay =
          Math.min(backoff, Math.max(this.isolated.until - now, 0)) + Math.floor(Math.random() * ISOLATION_DELAY_MS);
        await job.moveToDelayed(now + delay, token);
        throw new DelayedError();
      }
      this.deferrals.delete(key);
      return;
    }
    this.deferrals.delete(key);
    if (!suspect) return;
    const isolation: Isolation = { key, until: now + this.config.PF_SUSPECT_ISOLATION_MS };
    this.isolated = isolation;
    this.logger.warn(
      { jobId: job.id, stalledCounter: job.stalledCounter, aloneForMs: this.config.PF_SUSPECT_ISOLATION_MS },
      'job recovered from a stall runs alone',
    );
    // Wait (bounded by the isolation's end) for the jobs already running beside it.
    while (this.active.size > 0 && Date.now() < isolation.until && !this.closing) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  private async onFailed(queue: QueueName, job: Job | undefined, error: Error): Promise<void> {
    const { code } = parseFailure(error.message);
    this.metrics.failures.inc({ queue, code });
    if (!job) return;
    try {
      await this.deadLetters.capture(queue, job);
    } catch (e) {
      this.logger.error(
        { queue, jobId: job.id, err: (e as Error).message },
        'dead-letter capture failed; the sweep will retry',
      );
    }
  }

  private async sweep(): Promise<void> {
    if (this.closing) return;
    try {
      await this.deadLetters.sweep(this.queues);
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'dead-letter sweep failed');
    }
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.workers.length === 0) return;
    this.logger.info({ signal, active: this.active.size }, 'closing workers');
    const closed = Promise.all(this.workers.map((w) => w.close()));
    const timeout = this.config.PF_SHUTDOWN_TIMEOUT_MS;
    if (await finishesWithin(closed, timeout)) return;
    this.logger.warn(
      { active: this.active.size, timeoutMs: timeout },
      'active jobs did not finish in time: releasing them',
    );
    for (const controller of this.active.values()) controller.abort();
    if (await finishesWithin(closed, 5_000)) return;
    await Promise.allSettled(this.workers.map((w) => w.close(true)));
  }
}

async function finishesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
