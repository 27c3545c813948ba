import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { repoRoot } from './repo-root';

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

/** The fsync policies of Redis' append-only file. */
export type AppendFsync = 'always' | 'everysec' | 'no';

export interface RedisServerHandle {
  url: string;
  port: number;
  dir: string;
  /** The redis-server process id (changes on every start). */
  readonly pid: number;
  /** SHUTDOWN (NOSAVE: what survives is what the append-only file kept), then start again on the same port and data. */
  restart(): Promise<void>;
  /** Sends a signal to the server: SIGKILL (a Redis crash), SIGSTOP / SIGCONT (a frozen host). Resolves once a killed server is gone. */
  signal(signal: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port, configuration and data folder (after a kill or stop). */
  start(): Promise<void>;
  /** Redis 7's multi-part AOF: the newest incremental file of appendonlydir/ (per its manifest). */
  incrAofPath(): string;
  /** Size in bytes of incrAofPath() now. */
  incrAofSize(): number;
  /** Cuts incrAofPath() to `bytes` (a host crash lost the rest of the file); only while the server is down. */
  truncateIncrAof(bytes: number): void;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Append-only file on (default) or off. */
  aof?: boolean;
  /** The AOF fsync policy (default: the one of infra/redis.conf, "always"). */
  appendfsync?: AppendFsync;
  /** Start from this redis.conf (default infra/redis.conf); port, dir, bind, logging and daemonize are always overridden. */
  config?: string;
  extraArgs?: string[];
}

/**
 * A dedicated Debian redis-server for one test (its own port and data folder), for tests
 * that restart, kill or break Redis. It runs with the project's infra/redis.conf (AOF with
 * appendfsync always, noeviction, aof-load-truncated), without RDB snapshots, on 127.0.0.1.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pf-redis-'));
  const config = options.config ?? join(repoRoot(), 'infra/redis.conf');
  const args = [
    config,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.aof === false ? 'no' : 'yes',
    ...(options.appendfsync ? ['--appendfsync', options.appendfsync] : []),
    '--daemonize',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const launch = async () => {
    if (running()) throw new Error(`redis-server on ${port} is already running`);
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    child = proc;
    proc.once('error', () => undefined);
    try {
      await waitForPing(url, 10_000);
    } catch (error) {
      proc.kill('SIGKILL');
      const log = readFileSafe(join(dir, 'redis.log')).slice(-2000);
      throw new Error(`${(error as Error).message}; redis.log:\n${log}`);
    }
  };
  const gone = async (proc: ChildProcess, ms: number) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    await Promise.race([new Promise((r) => proc.once('exit', r)), new Promise((r) => setTimeout(r, ms))]);
  };
  const shutdown = async () => {
    const proc = child;
    if (!proc || !running()) return;
    proc.kill('SIGCONT'); // a frozen server cannot shut down
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await c
      .connect()
      .then(() => c.call('SHUTDOWN', 'NOSAVE'))
      .catch(() => undefined);
    c.disconnect();
    await gone(proc, 5_000);
    if (running()) {
      proc.kill('SIGKILL');
      await gone(proc, 5_000);
    }
  };
  const incrAofPath = () => {
    const aofDir = join(dir, 'appendonlydir');
    const manifest = readFileSync(
      join(aofDir, readdirSync(aofDir).find((f) => f.endsWith('.manifest')) ?? 'missing.manifest'),
      'utf8',
    );
    // Lines like: "file appendonly.aof.3.incr.aof seq 3 type i"; the last incremental one is the newest.
    const incr = manifest
      .split('\n')
      .map((l) => /^file (\S+) seq \d+ type i\s*$/.exec(l.trim())?.[1])
      .filter((f): f is string => f !== undefined);
    const last = incr.at(-1);
    if (!last) throw new Error(`no incremental AOF file in ${aofDir}'s manifest:\n${manifest}`);
    return join(aofDir, last);
  };
  await launch();
  return {
    url,
    port,
    dir,
    get pid() {
      return child?.pid ?? -1;
    },
    restart: async () => {
      await shutdown();
      await launch();
    },
    signal: async (signal) => {
      const proc = child;
      if (!proc || !running()) throw new Error(`redis-server on ${port} is not running`);
      proc.kill(signal);
      if (signal === 'SIGKILL') await gone(proc, 5_000);
    },
    start: launch,
    incrAofPath,
    incrAofSize: () => statSync(incrAofPath()).size,
    truncateIncrAof: (bytes) => {
      if (running()) throw new Error('truncateIncrAof: stop or kill the server first');
      truncateSync(incrAofPath(), bytes);
    },
    stop: async () => {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined); // refused while the server starts: answered by the ping below
    const ok = await c
      .connect()
      .then(() => c.ping())
      .then(
        (r) => r === 'PONG',
        () => false,
      );
    c.disconnect();
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server at ${url} did not answer within ${timeoutMs} ms`);
}

/**
 * The shared test Redis: PF_REDIS_URL (./factory test exports it, with the `pf` user's password),
 * else the one infra/scripts/redis-start.sh started for this checkout on PF_REDIS_PORT (6379), with
 * the password it keeps in .data/credentials (issue 14: it refuses clients without one).
 */
export function sharedRedisUrl(): string {
  const fromEnv = process.env['PF_REDIS_URL'];
  if (fromEnv) return fromEnv;
  const port = process.env['PF_REDIS_PORT'] ?? '6379';
  const password = readFileSafe(join(repoRoot(), '.data', 'credentials', `redis-${port}.password`)).trim();
  return /^[0-9a-f]+$/.test(password) ? `redis://pf:${password}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`;
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
