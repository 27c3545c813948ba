import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one process: queue depth, stage durations, failures by code. */
export class FactoryMetrics {
  readonly registry = new Registry();

  readonly stageDuration = new Histogram({
    name: 'pf_stage_duration_seconds',
    help: 'Time a stage job spent in its handler, by stage and outcome.',
    labelNames: ['stage', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });

  readonly handoffLatency = new Histogram({
    name: 'pf_stage_handoff_seconds',
    help: 'Time from a stage job being enqueued to a worker starting it.',
    labelNames: ['stage'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });

  readonly failures = new Counter({
    name: 'pf_job_failures_total',
    help: 'Failed job attempts, by queue and error code.',
    labelNames: ['queue', 'code'] as const,
    registers: [this.registry],
  });

  readonly deadLettered = new Counter({
    name: 'pf_dead_lettered_total',
    help: 'Jobs moved to the dead-letter queue, by queue and error code.',
    labelNames: ['queue', 'code'] as const,
    registers: [this.registry],
  });

  readonly refusedTransitions = new Counter({
    name: 'pf_stage_transitions_refused_total',
    help: 'Stage transitions the run store refused as out of date, by stage, transition and reason (stale, not-started, out-of-order).',
    labelNames: ['stage', 'transition', 'reason'] as const,
    registers: [this.registry],
  });

  readonly queueDepth: Gauge<'queue' | 'state'>;

  /** Where queue depths come from (set by the queue library once its queues exist). */
  depthSource: () => Promise<{ queue: string; state: string; count: number }[]> = () => Promise.resolve([]);

  constructor(service: string) {
    // Read on each scrape, so a source set after construction is used (`this` inside collect is the gauge).
    const depths = () => this.depthSource();
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.queueDepth = new Gauge({
      name: 'pf_queue_depth',
      help: 'Jobs in a queue, by state (waiting, active, delayed, failed).',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await depths()) this.set({ queue: row.queue, state: row.state }, row.count);
      },
    });
  }
}
