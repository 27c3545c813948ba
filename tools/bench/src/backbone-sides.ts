import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { QueueName } from '@patch-factory/contracts';
import { JOB_OPTIONS, RunLauncher, STAGE_JOB, serviceModule, stageJobId, type RunStage } from '@patch-factory/pipeline';
import { bullJobOptions } from '@patch-factory/queue';
import { StoreKeys } from '@patch-factory/store';
import { spawnBenchProcess, stopAll, type BenchProcess } from './bench-process';
import { deletePrefix, failedJobCount } from './bench-redis';

/** The five stages of a benchmark pipeline, in order. */
export const BENCH_STAGES: readonly RunStage[] = ['build', 'test', 'scan', 'sign', 'publish'];
export const BENCH_DEFINITION = 'image/bench/debian-12/stable.yaml';

export type SideName = 'project' | 'project-noop' | 'raw';

export interface BenchSettings {
  redisUrl: string;
  concurrency: number;
  logLevel: string;
  /**
   * The Redis server runs with less than the durability guarantee (appendfsync everysec, for the
   * "before" side of issue 13's comparison): the project's processes get PF_REDIS_ALLOW_NO_AOF=true,
   * without which they refuse to boot.
   */
  allowWeakDurability: boolean;
}

/** One side of the comparison: its worker processes, how it starts a pipeline, how it knows one finished. */
export interface BenchSide {
  readonly name: SideName;
  readonly prefix: string;
  readonly workers: BenchProcess[];
  /** Spawns the five worker processes and whatever the side needs to launch pipelines. */
  start(): Promise<void>;
  /** Starts pipeline `tag`-`i`; returns its id. */
  launch(tag: string, i: number): Promise<string>;
  /** How many pipelines (warm-up included) have finished. */
  finishedCount(): Promise<number>;
  /** When each pipeline finished (ms); throws if one did not finish cleanly. */
  finishTimes(ids: readonly string[]): Promise<number[]>;
  /** The BullMQ job of a pipeline's stage. */
  job(id: string, stage: RunStage): { queue: string; id: string };
  /** Throws when anything failed (failed jobs, failed runs). */
  verify(): Promise<void>;
  /** Stops the workers, closes connections and deletes every key of the prefix. Never throws. */
  stop(): Promise<number>;
}

const queues = BENCH_STAGES.map((s) => QueueName[s]);

function workerEnv(prefix: string, settings: BenchSettings): Record<string, string> {
  return {
    PF_PREFIX: prefix,
    PF_REDIS_URL: settings.redisUrl,
    PF_LOG_LEVEL: settings.logLevel,
    PF_WORKER_CONCURRENCY: String(settings.concurrency),
    PF_TRACES_EXPORTER: 'none',
    PF_TEST_STAGE_DELAY_MS: '0',
    ...(settings.allowWeakDurability ? { PF_REDIS_ALLOW_NO_AOF: 'true' } : {}),
  };
}

/** How many of the five stage queues of `prefix` have a registered worker (BullMQ getWorkersCount). */
export async function workersRegistered(redis: Redis, prefix: string): Promise<number> {
  let ready = 0;
  for (const name of queues) {
    const q = new Queue(name, { connection: redis, prefix });
    try {
      if ((await q.getWorkersCount()) > 0) ready++;
    } finally {
      await q.close();
    }
  }
  return ready;
}

/** Worker entry points of the project side: the test worker (CountingExecutor) or the bench's no-op one. */
const PROJECT_WORKER_ENTRY = {
  project: 'dist/libs/testing/src/worker-main.js',
  'project-noop': 'dist/tools/bench/src/noop-worker-main.js',
} as const;

/**
 * The project: five stage worker processes, one stage each (`project`: libs/testing
 * worker-main with the CountingExecutor, as the backbone tests run; `project-noop`: the
 * same service with an executor that does nothing), and an in-process RunLauncher (Nest
 * context, producer profile) that records each run and enqueues its first stage, as the
 * API does.
 */
export class ProjectSide implements BenchSide {
  readonly workers: BenchProcess[] = [];
  private app: INestApplicationContext | undefined;
  private launcher: RunLauncher | undefined;
  private readonly keys: StoreKeys;

  constructor(
    readonly name: 'project' | 'project-noop',
    readonly prefix: string,
    private readonly settings: BenchSettings,
    private readonly observer: Redis,
  ) {
    this.keys = new StoreKeys(prefix);
  }

  async start(): Promise<void> {
    for (const stage of BENCH_STAGES) {
      this.workers.push(
        spawnBenchProcess(`${this.name} worker ${stage}`, PROJECT_WORKER_ENTRY[this.name], {
          ...workerEnv(this.prefix, this.settings),
          PF_TEST_STAGES: stage,
          PF_TEST_SERVICE: `bench-${stage}`,
        }),
      );
    }
    const config = loadConfig({
      ...process.env,
      PF_PREFIX: this.prefix,
      PF_REDIS_URL: this.settings.redisUrl,
      PF_LOG_LEVEL: this.settings.logLevel,
      PF_WORKER_CONCURRENCY: String(this.settings.concurrency),
      PF_TRACES_EXPORTER: 'none',
      ...(this.settings.allowWeakDurability ? { PF_REDIS_ALLOW_NO_AOF: 'true' } : {}),
    });
    this.app = await NestFactory.createApplicationContext(
      serviceModule(
        { service: 'bench-launcher', defaultPort: 0, pipeline: { stages: [], profile: 'producer' } },
        config,
      ),
      { logger: ['error', 'warn'] },
    );
    this.launcher = this.app.get(RunLauncher);
  }

  async launch(): Promise<string> {
    if (!this.launcher) throw new Error('project side not started');
    const { runId } = await this.launcher.launch(
      BENCH_DEFINITION,
      { kind: 'manual' },
      { from: 'build', to: 'publish' },
    );
    return runId;
  }

  finishedCount(): Promise<number> {
    return this.observer.zcard(this.keys.runsInState('succeeded'));
  }

  async finishTimes(ids: readonly string[]): Promise<number[]> {
    const pipe = this.observer.pipeline();
    for (const id of ids) pipe.hmget(this.keys.run(id), 'state', 'finishedAt', 'completions');
    const rows = (await pipe.exec()) ?? [];
    return rows.map(([err, value], i) => {
      const [state, finishedAt, completions] = (value ?? []) as (string | null)[];
      if (err || state !== 'succeeded' || completions !== '1' || !finishedAt) {
        throw new Error(
          `run ${ids[i]} did not finish cleanly: state=${state} completions=${completions} ${err?.message ?? ''}`,
        );
      }
      return Number(finishedAt);
    });
  }

  job(id: string, stage: RunStage): { queue: string; id: string } {
    return { queue: QueueName[stage], id: stageJobId(id, stage) };
  }

  async verify(): Promise<void> {
    const failedRuns = await this.observer.zcard(this.keys.runsInState('failed'));
    const failedJobs = await failedJobCount(this.observer, this.prefix, [...queues, QueueName.deadLetter]);
    const deadLetters = await this.observer.zcard(`${this.prefix}:${QueueName.deadLetter}:completed`);
    const deadWaiting = await this.observer.llen(`${this.prefix}:${QueueName.deadLetter}:wait`);
    if (failedRuns + failedJobs + deadLetters + deadWaiting > 0) {
      throw new Error(
        `${this.name} side: ${failedRuns} failed runs, ${failedJobs} failed jobs, ${deadLetters + deadWaiting} dead letters`,
      );
    }
  }

  async stop(): Promise<number> {
    await stopAll(this.workers);
    await this.app?.close().catch(() => undefined);
    this.app = undefined;
    return deletePrefix(this.observer, this.prefix).catch(() => 0);
  }
}

/**
 * The baseline: five raw BullMQ workers (tools/bench raw-chain-worker), each adding the
 * chain's next job to the next queue; the same queue names, job options (attempts,
 * backoff, removeOnComplete/Fail), lock settings and concurrency as the project's.
 */
export class RawSide implements BenchSide {
  readonly name = 'raw' as const;
  readonly workers: BenchProcess[] = [];
  private producerRedis: Redis | undefined;
  private first: Queue | undefined;
  private readonly firstJobOpts = bullJobOptions(JOB_OPTIONS[STAGE_JOB.build]);

  constructor(
    readonly prefix: string,
    private readonly settings: BenchSettings,
    private readonly observer: Redis,
  ) {}

  async start(): Promise<void> {
    BENCH_STAGES.forEach((stage, i) => {
      const next = BENCH_STAGES[i + 1];
      const policy = JOB_OPTIONS[STAGE_JOB[stage]];
      this.workers.push(
        spawnBenchProcess(`raw worker ${stage}`, 'dist/tools/bench/src/raw-chain-worker.js', {
          ...workerEnv(this.prefix, this.settings),
          RAW_QUEUE: QueueName[stage],
          RAW_NEXT_QUEUE: next ? QueueName[next] : '',
          RAW_NEXT_JOB: next ? STAGE_JOB[next] : '',
          RAW_NEXT_STAGE: next ?? '',
          RAW_WORKER_OPTS: JSON.stringify({
            lockDuration: policy.lockDurationMs,
            stalledInterval: policy.lockDurationMs,
            maxStalledCount: policy.maxStalledCount,
          }),
          RAW_JOB_OPTS: JSON.stringify(next ? bullJobOptions(JOB_OPTIONS[STAGE_JOB[next]]) : {}),
        }),
      );
    });
    this.producerRedis = new Redis(this.settings.redisUrl, {
      maxRetriesPerRequest: 1,
      connectionName: 'bench:raw-producer',
    });
    this.first = new Queue(QueueName.build, { connection: this.producerRedis, prefix: this.prefix });
    await this.first.waitUntilReady();
  }

  async launch(tag: string, i: number): Promise<string> {
    if (!this.first) throw new Error('raw side not started');
    const id = `${tag}${i}`;
    await this.first.add(
      STAGE_JOB.build,
      { v: 1, runId: id, definition: BENCH_DEFINITION },
      { ...this.firstJobOpts, jobId: stageJobId(id, 'build') },
    );
    return id;
  }

  finishedCount(): Promise<number> {
    return this.observer.zcard(`${this.prefix}:${QueueName.publish}:completed`);
  }

  async finishTimes(ids: readonly string[]): Promise<number[]> {
    const pipe = this.observer.pipeline();
    for (const id of ids) pipe.hget(`${this.prefix}:${QueueName.publish}:${stageJobId(id, 'publish')}`, 'finishedOn');
    const rows = (await pipe.exec()) ?? [];
    return rows.map(([err, value], i) => {
      if (err || typeof value !== 'string')
        throw new Error(`chain ${ids[i]} did not finish: ${err?.message ?? 'no finishedOn'}`);
      return Number(value);
    });
  }

  job(id: string, stage: RunStage): { queue: string; id: string } {
    return { queue: QueueName[stage], id: stageJobId(id, stage) };
  }

  async verify(): Promise<void> {
    const failed = await failedJobCount(this.observer, this.prefix, queues);
    if (failed > 0) throw new Error(`raw side: ${failed} failed jobs`);
  }

  async stop(): Promise<number> {
    await stopAll(this.workers);
    await this.first?.close().catch(() => undefined);
    this.first = undefined;
    if (this.producerRedis) await this.producerRedis.quit().catch(() => this.producerRedis?.disconnect());
    this.producerRedis = undefined;
    return deletePrefix(this.observer, this.prefix).catch(() => 0);
  }
}
