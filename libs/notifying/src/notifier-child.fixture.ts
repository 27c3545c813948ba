// A notifier in a process of its own, for notifier-crash.spec.ts (run with
// libs/publishing/test/ts-child.cjs): a BullMQ worker on `{webhooks}` running the real FanOut and
// DeliveryWorker, with short locks (PF_TEST_LOCK_MS) so that a SIGKILL leaves jobs that stall
// quickly. The webhook clock is a ManualClock fixed at PF_TEST_CLOCK_MS. Prints `ready` once the
// worker listens and `outcome <text>` for each job it finishes.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { buildNotifier, WEBHOOKS_QUEUE, webhookProcessor } from './notifier.fixture';
import { ManualClock } from './webhook-clock';

async function main(): Promise<void> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0].startsWith('PF_')),
  );
  const redis = new Redis(env['PF_REDIS_URL'] as string, { maxRetriesPerRequest: null });
  const parts = buildNotifier(env, new ManualClock(Number(env['PF_TEST_CLOCK_MS'])), redis);
  const processor = webhookProcessor(parts);
  const lockMs = Number(env['PF_TEST_LOCK_MS'] ?? '1000');
  const worker = new Worker(
    WEBHOOKS_QUEUE,
    async (job) => {
      const outcome = await processor(job);
      process.stdout.write(`outcome ${outcome}\n`);
      return outcome;
    },
    {
      connection: redis.duplicate(),
      prefix: parts.prefix,
      concurrency: 8,
      lockDuration: lockMs,
      stalledInterval: lockMs,
    },
  );
  worker.on('error', (error) => process.stderr.write(`worker error: ${error.message}\n`));
  await worker.waitUntilReady();
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
