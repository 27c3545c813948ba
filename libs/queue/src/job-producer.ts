import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { CONFIG, type Env } from '@patch-factory/config';
import { queueOfJob, type JobName, type JobPayload, type QueueName } from '@patch-factory/contracts';
import { LOGGER, type Logger } from '@patch-factory/telemetry';
import type { JobPolicy } from './job-options.types';
import { PLANNING_PRIORITY } from './event-planning';
import { validatePayload } from './payload-validation';
import { QUEUE_OPTIONS, REDIS_CONNECTION, type QueueModuleOptions } from './queue.options';
import { RedisOutageMonitor } from './redis-outage.monitor';

/** BullMQ options of a job from its row of the job-options table. */
export function bullJobOptions(policy: JobPolicy, backoffDelayMs?: number): JobsOptions {
  return {
    attempts: policy.attempts,
    backoff: { type: policy.backoff.type, delay: backoffDelayMs ?? policy.backoff.delayMs },
    removeOnComplete: { age: policy.keepCompleted.ageSeconds, count: policy.keepCompleted.count },
    removeOnFail: { age: policy.keepFailed.ageSeconds, count: policy.keepFailed.count },
  };
}

/** Typed producer: the payload type follows the job name; validated before it leaves. */
@Injectable()
export class JobProducer implements OnApplicationShutdown {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    @Inject(REDIS_CONNECTION) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: Env,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueModuleOptions,
    @Optional() private readonly outage?: RedisOutageMonitor,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
  ) {}

  /**
   * Enqueues a job under a deterministic id; enqueueing the same id again is a no-op
   * (rule 3: a retried producer has its effect once). Returns the job id. `priority` is
   * BullMQ's (1 first); a planning job (`event.upstream`) given none goes last on the
   * planning lane (PLANNING_PRIORITY.update), never unprioritized: BullMQ takes a job
   * without priority before every prioritized one (event-planning.ts).
   */
  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    opts: { jobId: string; delayMs?: number; priority?: number },
  ): Promise<string> {
    const data = validatePayload(name, payload);
    const policy = this.options.jobOptions[name];
    const priority = opts.priority ?? (name === 'event.upstream' ? PLANNING_PRIORITY.update : undefined);
    const job = await this.queue(queueOfJob(name)).add(name, data, {
      ...bullJobOptions(policy, this.config.PF_BACKOFF_DELAY_MS),
      jobId: opts.jobId,
      ...(opts.delayMs ? { delay: opts.delayMs } : {}),
      ...(priority ? { priority } : {}),
    });
    return job.id ?? opts.jobId;
  }

  /** The Redis connection jobs travel on (the planning lane keeps its batches there). */
  get connection(): Redis {
    return this.redis;
  }

  /** The factory's key prefix and how many events of one advisory go on the planning lane at once. */
  get settings(): Pick<Env, 'PF_PREFIX'> & Partial<Pick<Env, 'PF_ADVISORY_EVENT_BATCH'>> {
    return this.config;
  }

  /** The BullMQ queue object of a queue name (created once per process). */
  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.redis, prefix: this.config.PF_PREFIX });
      // Without a listener BullMQ prints each connection error; an outage is logged once by the monitor.
      q.on('error', (error) => {
        if (!this.outage?.report(error, `queue ${name}`))
          this.logger?.error({ queue: name, err: error.message }, 'queue error');
      });
      this.queues.set(name, q);
    }
    return q;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
  }
}
