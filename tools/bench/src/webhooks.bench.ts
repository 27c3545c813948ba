import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { deliverOnce, generateSecret, parseAllowList, secretKey, signedHeaders } from '@patch-factory/webhooks';
import { table } from './bench-util';

/**
 * `npm run bench:webhooks` (issue 17): signed deliveries per second to a local receiver, the
 * project's way — Standard Webhooks headers signed with two secrets (a rotation's overlap), then
 * `deliverOnce` (receiver URL checked against the allow-list, a connection pinned to the checked
 * address, no redirects, bounded excerpt) — against its baseline in the same process: a bare loop
 * of `fetch` + one HMAC-SHA256. The receiver is another node process answering 204 to everything,
 * so both sides pay the same receiver. One at a time and BENCH_WEBHOOKS_CONCURRENCY (default 16)
 * at a time; BENCH_WEBHOOKS_N deliveries per measurement (default 3000), after a warm-up.
 * Target (issue 17): at least 500 signed deliveries per second.
 */
const N = Math.max(100, Number(process.env['BENCH_WEBHOOKS_N'] ?? 3000));
const CONCURRENCY = Math.max(2, Number(process.env['BENCH_WEBHOOKS_CONCURRENCY'] ?? 16));
const WARMUP = 200;

const RECEIVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { res.statusCode = 204; res.end(); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function startReceiver(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}/`, child };
}

/** A CloudEvents envelope of the size an `image.updated` has (about 1 KiB). */
function body(i: number): string {
  return JSON.stringify({
    specversion: '1.0',
    id: `bench-${i}`,
    source: 'urn:patch-factory:bench',
    type: 'dev.patch-factory.image.updated',
    time: new Date(0).toISOString(),
    subject: 'registry.example/images/redis',
    datacontenttype: 'application/json',
    data: {
      tags: [{ tag: '7.0', old: `sha256:${'a'.repeat(64)}`, new: `sha256:${'b'.repeat(64)}` }],
      pad: 'x'.repeat(700),
    },
  });
}

/** Runs `one(i)` for i < n with `concurrency` in flight; deliveries per second. */
async function rate(n: number, concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await one(next++);
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const { url, child } = await startReceiver();
  const secrets = [generateSecret(), generateSecret()];
  const allowList = parseAllowList(['127.0.0.1/32']);
  const timestamp = Math.floor(Date.now() / 1000);

  const project = async (i: number): Promise<void> => {
    const payload = body(i);
    const headers = signedHeaders({ id: `msg_${i}`, timestamp, body: payload, secrets });
    const result = await deliverOnce({
      url,
      headers: { ...headers, 'content-type': 'application/json' },
      body: payload,
      allowList,
    });
    if (result.outcome !== 'delivered') throw new Error(`delivery ${i}: ${result.outcome} ${result.error ?? ''}`);
  };
  const rawKey = secretKey(secrets[0] as string);
  const baseline = async (i: number): Promise<void> => {
    const payload = body(i);
    const signature = createHmac('sha256', rawKey).update(`msg_${i}.${timestamp}.${payload}`).digest('base64');
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'webhook-id': `msg_${i}`,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': `v1,${signature}`,
        'content-type': 'application/json',
      },
      body: payload,
      redirect: 'manual',
    });
    await res.arrayBuffer();
    if (res.status !== 204) throw new Error(`baseline ${i}: ${res.status}`);
  };

  try {
    await rate(WARMUP, 4, project);
    await rate(WARMUP, 4, baseline);
    const rows: string[][] = [];
    for (const c of [1, CONCURRENCY]) {
      // Interleaved, twice each, best of two: the machine is shared and noisy.
      const p = Math.max(await rate(N, c, project), await rate(N, c, project));
      const b = Math.max(await rate(N, c, baseline), await rate(N, c, baseline));
      rows.push([`${c} at a time`, p.toFixed(0), b.toFixed(0), (p / b).toFixed(2), p >= 500 ? 'met' : 'MISSED']);
    }
    process.stdout.write(
      `webhooks: ${N} signed deliveries per measurement, ${cpus().length} cores, ${new Date().toISOString()}\n`,
    );
    process.stdout.write(
      `${table(['in flight', 'project /s', 'fetch+HMAC /s', 'project/raw', 'target ≥500/s'], rows)}\n`,
    );
  } finally {
    child.kill('SIGTERM');
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench:webhooks failed: ${String(err)}\n`);
  process.exit(1);
});
