// infra/scripts/redis-start.sh as ./factory runs it (issue 14): an ACL user with a password made at
// first start, no anonymous clients, no root process, no world-readable data. Each test runs the
// real script on a free port of its own (so the shared Redis is never restarted) and stops it after.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort, sharedRedisUrl } from './redis-server';
import { repoRoot } from './repo-root';

const ROOT = repoRoot();
const script = (name: string) => join(ROOT, 'infra/scripts', name);

function run(name: string, port: number): string {
  return execFileSync('bash', [script(name)], {
    env: { ...process.env, PF_REDIS_PORT: String(port) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** What redis-credentials.sh says (the data folder, the password file). */
function credentialsSh(fn: string, ...args: string[]): string {
  return execFileSync('bash', ['-c', `source "${script('redis-credentials.sh')}" && ${fn} "$@"`, 'sh', ...args], {
    encoding: 'utf8',
  }).trim();
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** The reply of one command, or the error message Redis answered with (to AUTH or to the command). */
async function answer(url: string, ...command: [string, ...(string | number)[]]): Promise<string> {
  const c = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
  });
  const errors: string[] = [];
  c.on('error', (error: Error) => errors.push(error.message));
  try {
    await c.connect();
    return String(await c.call(...command));
  } catch (error) {
    return errors[0] ?? (error as Error).message;
  } finally {
    c.disconnect();
  }
}

/** Every uid (real, effective, saved, filesystem) of a process. */
function uids(pid: number): number[] {
  const line =
    readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Uid:')) ?? '';
  return line.split(/\s+/).slice(1).filter(Boolean).map(Number);
}

/** Every file and folder under `dir` with its mode. */
function modes(dir: string): { path: string; dir: boolean; mode: number }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return [{ path, dir: e.isDirectory(), mode: mode(path) }, ...(e.isDirectory() ? modes(path) : [])];
  });
}

describe('infra/scripts/redis-start.sh: the checkout Redis needs a password and runs locked down (issue 14)', () => {
  const started: number[] = [];

  async function start(port: number): Promise<{ url: string; dir: string; pid: number }> {
    run('redis-start.sh', port);
    started.push(port);
    const url = credentialsSh('pf_redis_url', ROOT, String(port));
    const dir = (await answer(url, 'CONFIG', 'GET', 'dir')).replace(/^dir,/, ''); // the server's own
    const pid = Number(/process_id:(\d+)/.exec(await answer(url, 'INFO', 'server'))?.[1]);
    return { url, dir, pid };
  }

  afterAll(() => {
    for (const port of started) {
      spawnSync('bash', [script('redis-stop.sh')], {
        env: { ...process.env, PF_REDIS_PORT: String(port) },
        stdio: 'ignore',
      });
      rmSync(credentialsSh('pf_redis_data_dir', ROOT, String(port)), { recursive: true, force: true });
      for (const who of ['', 'admin'])
        rmSync(credentialsSh('pf_redis_password_file', ROOT, String(port), who), { force: true });
    }
  });

  it('makes the pf password at first start (0600 in a 0700 folder) and refuses clients without it', async () => {
    const port = await freePort();
    const { url } = await start(port);
    const passwordFile = credentialsSh('pf_redis_password_file', ROOT, String(port));
    expect(mode(passwordFile)).toBe(0o600);
    expect(mode(join(ROOT, '.data', 'credentials'))).toBe(0o700);
    expect(url).toMatch(new RegExp(`^redis://pf:[0-9a-f]{64}@127\\.0\\.0\\.1:${port}$`));

    expect(await answer(`redis://127.0.0.1:${port}`, 'PING')).toMatch(/NOAUTH/);
    expect(await answer(`redis://127.0.0.1:${port}`, 'GET', 'x')).toMatch(/NOAUTH/);
    expect(await answer(`redis://pf:wrong@127.0.0.1:${port}`, 'PING')).toMatch(/WRONGPASS/);
    expect(await answer(`redis://default:wrong@127.0.0.1:${port}`, 'PING')).toMatch(/WRONGPASS/);
    expect(await answer(url, 'PING')).toBe('PONG');
  });

  it('lets pf run what the services and BullMQ need, and nothing that flushes, stops or reconfigures the server', async () => {
    const port = await freePort();
    const { url } = await start(port);
    expect(await answer(url, 'CONFIG', 'GET', 'appendfsync')).toBe('appendfsync,always'); // the boot check (libs/queue)
    expect(await answer(url, 'INFO', 'persistence')).toContain('aof_enabled:1');
    expect(await answer(url, 'CLIENT', 'SETNAME', 'pf:test')).toBe('OK');
    expect(await answer(url, 'EVAL', "return redis.call('SET', KEYS[1], ARGV[1])", 1, 'k', 'v')).toBe('OK');
    for (const command of [
      ['FLUSHALL'],
      ['FLUSHDB'],
      ['SHUTDOWN', 'NOSAVE'],
      ['CONFIG', 'SET', 'appendfsync', 'no'],
      ['KEYS', '*'],
      ['ACL', 'SETUSER', 'x', 'on'],
      ['MONITOR'],
      ['FUNCTION', 'FLUSH'],
    ] as [string, ...string[]][]) {
      expect(`${command.join(' ')}: ${await answer(url, ...command)}`).toMatch(/: NOPERM/);
    }
    expect(await answer(url, 'GET', 'k')).toBe('v');

    // A real BullMQ queue and worker over the pf user.
    const connection = { url, maxRetriesPerRequest: null };
    const queue = new Queue<{ n: number }>('acl-check', { connection });
    const events = new QueueEvents('acl-check', { connection });
    const worker = new Worker<{ n: number }>('acl-check', (job) => Promise.resolve(`done ${job.data.n}`), {
      connection,
    });
    try {
      await events.waitUntilReady();
      const job = await queue.add('j', { n: 7 });
      expect(await job.waitUntilFinished(events, 30_000)).toBe('done 7');
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  });

  it('runs redis-server as a user other than root, its folder 0700 and every data file 0600 (dump.rdb too)', async () => {
    const port = await freePort();
    const { url, dir, pid } = await start(port);
    expect(uids(pid)).toHaveLength(4);
    for (const uid of uids(pid)) expect(uid).not.toBe(0);
    await answer(url, 'SET', 'kept', 'yes');
    run('redis-stop.sh', port); // SIGTERM: Redis saves dump.rdb
    expect(existsSync(join(dir, 'dump.rdb'))).toBe(true);
    expect(mode(dir)).toBe(0o700);
    const all = modes(dir);
    expect(all.map((e) => e.path)).toEqual(expect.arrayContaining([join(dir, 'dump.rdb'), join(dir, 'appendonlydir')]));
    expect(all.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600))).toEqual([]);
  });

  it('restarts a password-less Redis of an earlier run with the ACL, on the same data, files locked down', async () => {
    const port = await freePort();
    const dir = credentialsSh('pf_redis_data_dir', ROOT, String(port));
    // What the script did before: redis-server as the caller (root here), umask 022, no ACL.
    execFileSync('bash', [
      '-c',
      `umask 022 && mkdir -p "$1" && redis-server "$2" --port "$3" --dir "$1" --pidfile "$1/redis-$3.pid" --logfile "$1/redis-$3.log"`,
      'sh',
      dir,
      join(ROOT, 'infra/redis.conf'),
      String(port),
    ]);
    started.push(port);
    const anonymous = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && (await answer(anonymous, 'PING')) !== 'PONG'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await answer(anonymous, 'SET', 'from-before', 'kept')).toBe('OK');

    const { url, pid } = await start(port);
    expect(await answer(anonymous, 'PING')).toMatch(/NOAUTH/);
    expect(await answer(url, 'GET', 'from-before')).toBe('kept');
    for (const uid of uids(pid)) expect(uid).not.toBe(0);
    expect(modes(dir).filter((e) => e.mode !== (e.dir ? 0o700 : 0o600))).toEqual([]);
  });

  it("restarts another checkout's Redis (an earlier CI clone, other credentials) as this checkout's; leaves any other Redis alone", async () => {
    const port = await freePort();
    const other = mkdtempSync(join(tmpdir(), 'pf-other-checkout-'));
    const otherDir = join(other, '.data', `redis-${port}`);
    const launch = (dir: string, p: number) =>
      execFileSync('bash', [
        '-c',
        `mkdir -p "$1" && cd / && redis-server - --port "$2" --dir "$1" --requirepass other-secret --logfile "$1/redis.log" <"$3" >/dev/null`,
        'sh',
        dir,
        String(p),
        join(ROOT, 'infra/redis.conf'),
      ]);
    try {
      launch(otherDir, port);
      started.push(port);
      for (let i = 0; i < 100 && !/NOAUTH/.test(await answer(`redis://127.0.0.1:${port}`, 'PING')); i++)
        await new Promise((r) => setTimeout(r, 100));
      const { url } = await start(port);
      expect(await answer(url, 'PING')).toBe('PONG');
      expect(await answer(`redis://:other-secret@127.0.0.1:${port}`, 'PING')).toMatch(/WRONGPASS/);

      // Not a patch-factory folder: refused, the server untouched.
      const foreignPort = await freePort();
      launch(join(other, 'elsewhere'), foreignPort);
      started.push(foreignPort); // the script makes credentials for it before it refuses
      const refused = spawnSync('bash', [script('redis-start.sh')], {
        env: { ...process.env, PF_REDIS_PORT: String(foreignPort) },
        encoding: 'utf8',
      });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(
        `a Redis that this checkout has no password for answers on 127.0.0.1:${foreignPort}; stop it or set PF_REDIS_PORT`,
      );
      expect(await answer(`redis://:other-secret@127.0.0.1:${foreignPort}`, 'PING')).toBe('PONG');
      await answer(`redis://:other-secret@127.0.0.1:${foreignPort}`, 'SHUTDOWN', 'NOSAVE');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('the shared Redis the tests use (as ./factory test starts it) refuses a client without the password', async () => {
    const shared = new URL(sharedRedisUrl());
    expect(await answer(`redis://${shared.hostname}:${shared.port || 6379}`, 'PING')).toMatch(/NOAUTH/);
    expect(await answer(sharedRedisUrl(), 'PING')).toBe('PONG');
    // Not root, its folder 0700 and its files 0600 (dump.rdb was 0644 before).
    const pid = Number(/process_id:(\d+)/.exec(await answer(sharedRedisUrl(), 'INFO', 'server'))?.[1]);
    for (const uid of uids(pid)) expect(uid).not.toBe(0);
    const dir = (await answer(sharedRedisUrl(), 'CONFIG', 'GET', 'dir')).replace(/^dir,/, '');
    expect(mode(dir)).toBe(0o700);
    expect(modes(dir).filter((e) => e.mode !== (e.dir ? 0o700 : 0o600))).toEqual([]);
  });
});
