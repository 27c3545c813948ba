import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CONFIG, type Env } from '@patch-factory/config';
import { ALL_QUEUE_NAMES, type QueueName } from '@patch-factory/contracts';
import { FactoryMetrics } from '@patch-factory/telemetry';
import { JobProducer } from './job-producer';
import { ProgressTracker } from './progress-tracker';
import { REDIS_CONNECTION } from './queue.options';
import { readRedisMemory, type RedisMemory } from './redis-memory';
import { WorkerHost } from './worker-host';

export interface HealthReport {
  status: 'ok' | 'stalled' | 'unavailable';
  redis: 'up' | 'down';
  pending: number;
  stalledForMs: number;
  closing: boolean;
  /** Redis memory against its maxmemory (absent while Redis is down): `pressure` from PF_REDIS_MEMORY_PRESSURE_PERCENT on. */
  memory?: RedisMemory;
}

/** Liveness and readiness of a service, and the queue depths its metrics report. */
@Injectable()
export class HealthService implements OnModuleInit {
  constructor(
    @Inject(REDIS_CONNECTION) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: Env,
    private readonly producer: JobProducer,
    private readonly workers: WorkerHost,
    private readonly progress: ProgressTracker,
    private readonly metrics: FactoryMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics.depthSource = () => this.depths(this.workers.queues.length ? this.workers.queues : ALL_QUEUE_NAMES);
  }

  async depths(queues: readonly QueueName[]): Promise<{ queue: string; state: string; count: number }[]> {
    const rows: { queue: string; state: string; count: number }[] = [];
    for (const queue of queues) {
      const counts = await this.producer
        .queue(queue)
        .getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      for (const [state, count] of Object.entries(counts)) rows.push({ queue, state, count });
    }
    return rows;
  }

  async report(): Promise<HealthReport> {
    const redisUp = await withTimeout(this.redis.ping(), 1_000).then(
      (r) => r === 'PONG',
      () => false,
    );
    let pending = 0;
    if (redisUp) {
      for (const queue of this.workers.queues) {
        const c = await this.producer.queue(queue).getJobCounts('waiting', 'prioritized');
        pending += (c['waiting'] ?? 0) + (c['prioritized'] ?? 0);
      }
    }
    const stalledForMs = redisUp ? this.progress.observe(pending) : 0;
    const memory = redisUp
      ? await readRedisMemory(this.redis, this.config.PF_REDIS_MEMORY_PRESSURE_PERCENT ?? 90).catch(() => undefined)
      : undefined;
    const stalled = stalledForMs > this.config.PF_PROGRESS_TIMEOUT_MS;
    return {
      status: !redisUp ? 'unavailable' : stalled ? 'stalled' : 'ok',
      redis: redisUp ? 'up' : 'down',
      pending,
      stalledForMs,
      closing: this.workers.isClosing,
      ...(memory ? { memory } : {}),
    };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
