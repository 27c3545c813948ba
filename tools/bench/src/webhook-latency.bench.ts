import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '@patch-factory/config';
import { imageEventToCloudEvent, type FactoryCloudEvent } from '@patch-factory/contracts';
import {
  EventPublisher,
  EventStore,
  SubscriptionRepository,
  WebhookSettings,
  systemClock,
} from '@patch-factory/notifying';
import { JOB_OPTIONS } from '@patch-factory/pipeline';
import { JobProducer } from '@patch-factory/queue';
import { BackboneFixture, startRedisServer, waitFor } from '@patch-factory/testing';
import { generateSecret, secretKey } from '@patch-factory/webhooks';
import { percentile, table } from './bench-util';

/**
 * `npm run bench:webhook-latency` (issue 17): the time from an event to the first delivery
 * attempt at a steady BENCH_WEBHOOK_RATE events per second (default 100) for
 * BENCH_WEBHOOK_SECONDS (default 20), after as many seconds of warm-up at that rate
 * (BENCH_WEBHOOK_WARMUP_SECONDS, default 5), measured at the receiver (another process on the same
 * clock) from the moment the event is published.
 *
 * Project: the real notifier service (dist/services/notifier) on a dedicated redis-server; the
 * benchmark publishes each event as the notify stage does (EventPublisher: stored once, then
 * `webhook.fan-out`), to BENCH_WEBHOOK_SUBSCRIPTIONS subscriptions (default 2) of one receiver;
 * the notifier fans out, dispatches and delivers (signed, address checked, pinned connection).
 * Baseline, in the same run: the floor of any queued delivery — one bare BullMQ job per event and
 * subscription on the same Redis, whose worker (in this process) signs with one HMAC and POSTs
 * with fetch. Every delivery counts (each subscription has its own path at the receiver).
 * Target: p99 under 250 ms at 100 events per second.
 */
const RATE = Math.max(1, Number(process.env['BENCH_WEBHOOK_RATE'] ?? 100));
const SECONDS = Math.max(2, Number(process.env['BENCH_WEBHOOK_SECONDS'] ?? 20));
const SUBSCRIPTIONS = Math.max(1, Number(process.env['BENCH_WEBHOOK_SUBSCRIPTIONS'] ?? 2));
const N = RATE * SECONDS;
/** Seconds at the measured rate before measuring (BENCH_WEBHOOK_WARMUP_SECONDS, default 5). */
const WARMUP_SECONDS = Math.max(1, Number(process.env['BENCH_WEBHOOK_WARMUP_SECONDS'] ?? 5));

/** A receiver process: prints `<path> <webhook-id> <epoch ms>` for each request, answers 204. */
const RECEIVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const at = Date.now();
  process.stdout.write(req.url + ' ' + String(req.headers['webhook-id']) + ' ' + at + '\\n');
  req.on('data', () => {});
  req.on('end', () => { res.statusCode = 204; res.end(); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('port ' + server.address().port + '\\n'));
`;

interface Receiver {
  url: string;
  child: ChildProcess;
  /** First arrival time per `<path> <webhook-id>` (each subscription has its own path). */
  arrivals: Map<string, number>;
}

async function startReceiver(): Promise<Receiver> {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const arrivals = new Map<string, number>();
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  let port = '';
  const ready = new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      const [a, b, c] = line.split(' ');
      if (a === 'port') {
        port = b ?? '';
        resolve();
      } else if (a && b && c && !arrivals.has(`${a} ${b}`)) arrivals.set(`${a} ${b}`, Number(c));
    });
  });
  await ready;
  return { url: `http://127.0.0.1:${port}`, child, arrivals };
}

/** The i-th event: an `image.updated` as the notify stage makes it (its id deterministic from `fact`). */
function eventOf(fact: string, i: number): FactoryCloudEvent {
  const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
  return imageEventToCloudEvent(
    {
      id: `${fact}-${i}:promote`,
      type: 'image.updated',
      repository: 'registry.example/examples/redis',
      digest: digest(2 * i + 2),
      tags: [{ tag: '7', digest: digest(2 * i + 2), previous: digest(2 * i + 1) }],
      cvesFixed: ['CVE-2026-0001', 'CVE-2026-0002'],
      runId: `run-${i}`,
      definition: 'image/redis/debian-12/7.yaml',
      at: Date.now(),
    },
    { source: 'urn:patch-factory:bench', severityOf: () => 'high' },
  );
}

/** Calls `publish(i)` for i < n (default N) at RATE per second (on schedule, not after the previous one); the time each was called. */
async function atRate(publish: (i: number) => Promise<void>, n = N): Promise<number[]> {
  const sent: number[] = [];
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent[i] = Date.now();
    pending.push(publish(i));
  }
  await Promise.all(pending);
  return sent;
}

/** Every delivery's latency: for each path (a subscription), for each id, its arrival − when its event was published. */
function latencies(
  paths: readonly string[],
  ids: readonly string[],
  sent: readonly number[],
  arrivals: ReadonlyMap<string, number>,
): number[] {
  return paths.flatMap((path) => ids.map((id, i) => (arrivals.get(`${path} ${id}`) as number) - (sent[i] as number)));
}

/** Whether every id has arrived on every path. */
const allArrived = (paths: readonly string[], ids: readonly string[], arrivals: ReadonlyMap<string, number>) =>
  paths.every((path) => ids.every((id) => arrivals.has(`${path} ${id}`))) || undefined;

async function main(): Promise<void> {
  const redisServer = await startRedisServer();
  const receiver = await startReceiver();
  const keys = `bench:${randomBytes(32).toString('base64')}`;
  const fx = new BackboneFixture(redisServer.url, { PF_LOG_LEVEL: 'warn', PF_TRACES_EXPORTER: 'none' });
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const env = { PF_WEBHOOK_SECRET_KEYS: keys, PF_WEBHOOK_ALLOW_CIDRS: '127.0.0.1/32' };
  const config = loadConfig({ ...process.env, PF_PREFIX: fx.prefix, PF_REDIS_URL: redisServer.url, ...env });
  const rawQueue = new Queue('{bench-raw}', { connection: redis, prefix: fx.prefix });
  let rawWorker: Worker | undefined;
  let producer: JobProducer | undefined;
  const workerRedis = redis.duplicate();
  try {
    console.error('starting the notifier…');
    await fx.startService('dist/services/notifier/src/main.js', { ...env, PF_LOG_LEVEL: 'info' });
    console.error('notifier started; warming up');
    const settings = new WebhookSettings(config);
    const subscriptions = new SubscriptionRepository(redis, fx.prefix, settings);
    const paths = Array.from({ length: SUBSCRIPTIONS }, (_, s) => `/hook/${s}`);
    for (let s = 0; s < SUBSCRIPTIONS; s++)
      await subscriptions.create(
        { url: `${receiver.url}${paths[s]}`, description: `bench ${s}`, eventTypes: [], images: [], tags: [] },
        `bench-${s}`,
        Date.now(),
      );
    producer = new JobProducer(redis, config, { service: 'bench', owns: [], jobOptions: JOB_OPTIONS });
    const publisher = new EventPublisher(new EventStore(redis, fx.prefix), producer, systemClock);

    // Warm-up at the measured rate (WARMUP_SECONDS): the notifier's code paths, connections and
    // workers reach their steady state before anything is measured.
    const warm = Array.from({ length: RATE * WARMUP_SECONDS }, (_, i) => eventOf('warm', i));
    await atRate(async (i) => {
      await publisher.publish(warm[i] as FactoryCloudEvent);
    }, warm.length);
    await waitFor(
      'the warm-up deliveries',
      () =>
        Promise.resolve(
          allArrived(
            paths,
            warm.map((e) => e.id),
            receiver.arrivals,
          ),
        ),
      120_000,
      50,
    );

    console.error(`publishing ${N} events at ${RATE}/s`);
    const events = Array.from({ length: N }, (_, i) => eventOf('bench', i));
    const sentProject = await atRate(async (i) => {
      await publisher.publish(events[i] as FactoryCloudEvent);
    });
    await waitFor(
      'every project delivery',
      () =>
        Promise.resolve(
          allArrived(
            paths,
            events.map((e) => e.id),
            receiver.arrivals,
          ),
        ),
      120_000,
      50,
    );
    const project = latencies(
      paths,
      events.map((e) => e.id),
      sentProject,
      receiver.arrivals,
    );
    if (process.env['BENCH_WEBHOOK_DEBUG']) {
      const t0 = sentProject[0] as number;
      const slow = project
        .map((ms, k) => ({ ms, k, at: Math.round(((sentProject[k % N] as number) - t0) / 100) / 10 }))
        .filter((x) => x.ms > 250);
      console.error(
        `slow deliveries (> 250 ms): ${slow.length}; by second sent: ${JSON.stringify(slow.map((x) => `${x.at}s:${x.ms}ms:p${Math.floor(x.k / N)}`).slice(0, 80))}`,
      );
    }

    // Baseline: one bare BullMQ job per event and subscription, a worker that signs (one HMAC) and POSTs with fetch.
    const key = secretKey(generateSecret());
    rawWorker = new Worker(
      '{bench-raw}',
      async (job) => {
        const { path, event } = job.data as { path: string; event: FactoryCloudEvent };
        const body = JSON.stringify(event);
        const id = `raw-${event.id}`;
        const ts = Math.floor(Date.now() / 1000);
        const signature = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
        const res = await fetch(`${receiver.url}${path}`, {
          method: 'POST',
          headers: {
            'webhook-id': id,
            'webhook-timestamp': String(ts),
            'webhook-signature': `v1,${signature}`,
            'content-type': 'application/json',
          },
          body,
          redirect: 'manual',
        });
        await res.arrayBuffer();
      },
      { connection: workerRedis, prefix: fx.prefix, concurrency: config.PF_WEBHOOK_CONCURRENCY },
    );
    const rawPaths = paths.map((p) => p.replace('/hook/', '/raw/'));
    const rawAtRate = (list: readonly FactoryCloudEvent[], tag: string) =>
      atRate(async (i) => {
        const event = list[i] as FactoryCloudEvent;
        await rawQueue.addBulk(
          rawPaths.map((path, s) => ({
            name: 'raw',
            data: { path, event },
            opts: { jobId: `${tag}${i}-${s}`, removeOnComplete: true },
          })),
        );
      }, list.length);
    // The same warm-up as the project's.
    await rawAtRate(warm, 'w');
    const warmIds = warm.map((e) => `raw-${e.id}`);
    await waitFor(
      'the baseline warm-up',
      () => Promise.resolve(allArrived(rawPaths, warmIds, receiver.arrivals)),
      120_000,
      50,
    );
    const sentRaw = await rawAtRate(events, 'r');
    const rawIds = events.map((e) => `raw-${e.id}`);
    await waitFor(
      'every baseline delivery',
      () => Promise.resolve(allArrived(rawPaths, rawIds, receiver.arrivals)),
      120_000,
      50,
    );
    const raw = latencies(rawPaths, rawIds, sentRaw, receiver.arrivals);

    const row = (name: string, v: number[]) => [
      name,
      percentile(v, 50).toFixed(0),
      percentile(v, 99).toFixed(0),
      Math.max(...v).toFixed(0),
    ];
    const p99 = percentile(project, 99);
    console.log(
      `webhook latency: ${N} events at ${RATE}/s (${SECONDS} s), ${SUBSCRIPTIONS} subscription(s) each, ${cpus().length} cores, ${new Date().toISOString()}`,
    );
    console.log(
      table(
        ['side', 'p50 ms', 'p99 ms', 'max ms'],
        [row('project (notifier)', project), row('bare BullMQ job + fetch + HMAC', raw)],
      ),
    );
    console.log(
      `p99 ratio project/bare: ${(p99 / Math.max(1, percentile(raw, 99))).toFixed(2)}; target p99 < 250 ms: ${p99 < 250 ? 'met' : 'MISSED'}`,
    );
  } finally {
    await rawWorker?.close();
    await rawQueue.close();
    await producer?.onApplicationShutdown();
    await fx.close();
    workerRedis.disconnect();
    redis.disconnect();
    receiver.child.kill('SIGTERM');
    await redisServer.stop();
  }
}

void main().catch((err: unknown) => {
  console.error(`bench:webhook-latency failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
