import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServerHandle {
  url: string;
  port: number;
  dir: string;
  /** SHUTDOWN (NOSAVE: what survives is what the append-only file kept), then start again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A dedicated Debian redis-server for one test (its own port and data folder), for tests
 * that restart or break Redis. AOF on by default, noeviction, as infra/redis.conf.
 */
export async function startRedisServer(options: { aof?: boolean; extraArgs?: string[] } = {}): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pf-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', options.aof === false ? 'no' : 'yes', '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', join(dir, 'redis.log'),
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(url, 10_000);
  };
  const shutdown = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await c.connect().then(() => c.call('SHUTDOWN', 'NOSAVE')).catch(() => undefined);
    c.disconnect();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  };
  await launch();
  return {
    url,
    port,
    dir,
    restart: async () => {
      await shutdown();
      await launch();
    },
    stop: async () => {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const ok = await c.connect().then(() => c.ping()).then((r) => r === 'PONG', () => false);
    c.disconnect();
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server at ${url} did not answer within ${timeoutMs} ms`);
}

/** The shared test Redis started by ./factory test (PF_REDIS_URL), or the default local one. */
export function sharedRedisUrl(): string {
  return process.env['PF_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}

/** A key prefix of its own for one test: queues and store keys never collide. */
export function testPrefix(): string {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Deletes every key under a test prefix. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const c = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await c.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    c.disconnect();
  }
}
