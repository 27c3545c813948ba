import { Queue, Worker, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * One step of the raw BullMQ baseline chain (the benchmark's reference point): a Worker
 * on RAW_QUEUE whose processor only adds the chain's next job to RAW_NEXT_QUEUE (none
 * after the last step). No store, no validation, no telemetry.
 *
 * Env: PF_REDIS_URL, PF_PREFIX, PF_WORKER_CONCURRENCY, RAW_QUEUE, RAW_NEXT_QUEUE,
 * RAW_NEXT_JOB (name of the next job), RAW_NEXT_STAGE (suffix of its id),
 * RAW_WORKER_OPTS (JSON: lockDuration, stalledInterval, maxStalledCount),
 * RAW_JOB_OPTS (JSON BullMQ JobsOptions of the next job).
 */
function env(name: string): string {
  const v = process.env[name];
  if (v === undefined) {
    process.stderr.write(`raw-chain-worker: ${name} is not set\n`);
    process.exit(2);
  }
  return v;
}

interface ChainJob {
  runId: string;
}

const prefix = env('PF_PREFIX');
const queueName = env('RAW_QUEUE');
const nextQueueName = process.env['RAW_NEXT_QUEUE'] ?? '';
const nextJob = process.env['RAW_NEXT_JOB'] ?? '';
const nextStage = process.env['RAW_NEXT_STAGE'] ?? '';
const workerOpts = JSON.parse(env('RAW_WORKER_OPTS')) as {
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
};
const jobOpts = JSON.parse(env('RAW_JOB_OPTS')) as JobsOptions;

// One connection shared by the worker and the producer, as the project's services do.
const redis = new Redis(env('PF_REDIS_URL'), { maxRetriesPerRequest: null, connectionName: `raw:${queueName}` });
const next = nextQueueName ? new Queue(nextQueueName, { connection: redis, prefix }) : undefined;

const worker = new Worker<ChainJob>(
  queueName,
  async (job) => {
    if (next) await next.add(nextJob, job.data, { ...jobOpts, jobId: `${job.data.runId}.${nextStage}` });
    return 'succeeded';
  },
  { connection: redis, prefix, concurrency: Number(env('PF_WORKER_CONCURRENCY')), autorun: true, ...workerOpts },
);
worker.on('error', (error) => process.stderr.write(`raw-chain-worker ${queueName}: ${error.message}\n`));

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  const hard = setTimeout(() => process.exit(1), 10_000);
  hard.unref();
  void worker
    .close()
    .then(() => next?.close())
    .then(() => redis.quit())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
