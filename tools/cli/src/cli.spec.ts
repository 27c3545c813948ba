import { runNodeScript, type CliResult } from './run-node.fixture';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dropPrefix,
  freePort,
  repoRoot,
  sharedRedisUrl,
  startProcess,
  startWorker,
  testPrefix,
  waitFor,
  type ServiceProcess,
} from '@patch-factory/testing';

/**
 * The CLI as people run it: the compiled dist/tools/cli/src/main.js in its own process,
 * against the real api service and a real stage worker on the shared Redis (each test in
 * its own key prefix). Build first (tsc -p tsconfig.build.json): the processes run dist/.
 */

const root = repoRoot();
const ALL_STAGES = ['plan', 'patch', 'build', 'test', 'scan', 'sign', 'publish', 'review', 'promote', 'notify'];

/** Characters a terminal would act on (the line breaks the CLI writes itself aside), as code points. */
function controlCharacters(text: string): number[] {
  return [...text]
    .map((ch) => ch.codePointAt(0) as number)
    .filter(
      (c) =>
        (c < 0x20 && c !== 0x0a) ||
        (c >= 0x7f && c <= 0x9f) ||
        (c >= 0x202a && c <= 0x202e) ||
        (c >= 0x2066 && c <= 0x2069) ||
        c === 0x2028,
    );
}

/** The bootstrap admin token file of the running factory, which the CLI reads (PF_TOKEN_FILE). */
let tokenFile: string | undefined;

/** Runs `node <script> args…` from the repo root with PF_API_URL (and PF_TOKEN_FILE) set; resolves when it exits. */
function runNode(script: string, args: readonly string[], apiUrl: string | undefined): Promise<CliResult> {
  return runNodeScript(script, args, {
    ...(apiUrl !== undefined ? { PF_API_URL: apiUrl } : {}),
    ...(tokenFile !== undefined ? { PF_TOKEN_FILE: tokenFile } : {}),
  });
}

function cli(apiUrl: string | undefined, ...args: string[]): Promise<CliResult> {
  return runNode(join(root, 'tools/node/run.cjs'), ['dist/tools/cli/src/main.js', ...args], apiUrl);
}

async function cliJson<T>(apiUrl: string, ...args: string[]): Promise<T> {
  const res = await cli(apiUrl, ...args, '--json');
  if (res.code !== 0) throw new Error(`patch-factory ${args.join(' ')} --json exited ${res.code}: ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}

interface RunJson {
  id: string;
  state: string;
  stages: { stage: string; status: string; attempts: number }[];
}
interface DeadLetterJson {
  id: string;
  runId?: string;
  errorCode: string;
  jobName: string;
}

/** The api service and a worker for every stage, in a key prefix of their own. */
interface Factory {
  url: string;
  stop(): Promise<void>;
}

async function startFactory(): Promise<Factory> {
  const env = { PF_PREFIX: testPrefix(), PF_REDIS_URL: sharedRedisUrl() };
  const tokens = mkdtempSync(join(tmpdir(), 'pf-cli-token-'));
  const started: ServiceProcess[] = [];
  const stop = async () => {
    for (const p of started) p.kill('SIGTERM');
    await Promise.all(started.map((p) => p.exited));
    await dropPrefix(env.PF_REDIS_URL, env.PF_PREFIX);
    rmSync(tokens, { recursive: true, force: true });
    tokenFile = undefined;
  };
  try {
    // A new prefix is a first start: the API writes its bootstrap admin token there, the CLI reads it.
    tokenFile = join(tokens, 'admin-token');
    const [api, worker] = await Promise.allSettled([
      startProcess('dist/services/api/src/main.js', { ...env, PF_BOOTSTRAP_TOKEN_FILE: tokenFile }),
      startWorker(ALL_STAGES, env),
    ]);
    for (const p of [api, worker]) if (p.status === 'fulfilled') started.push(p.value);
    if (api.status === 'rejected') throw api.reason;
    if (worker.status === 'rejected') throw worker.reason;
    return { url: `http://127.0.0.1:${api.value.port}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The run as the CLI reports it, once `done(run)` holds. */
function waitForRun(url: string, id: string, done: (run: RunJson) => boolean): Promise<RunJson> {
  return waitFor(
    `run ${id}`,
    async () => {
      const run = await cliJson<RunJson>(url, 'run', id);
      return done(run) ? run : undefined;
    },
    30_000,
    200,
  );
}

describe('patch-factory against a running factory', () => {
  let factory: Factory;

  beforeEach(async () => {
    factory = await startFactory();
  });

  afterEach(async () => {
    await factory?.stop();
  });

  it('triggers a run, lists it, and shows its ten-stage timeline', async () => {
    const triggered = await cli(factory.url, 'trigger', 'image/node/debian/22.yaml');
    expect(triggered.stderr).toBe('');
    expect(triggered.code).toBe(0);
    const runId = /^run\s+(run_[0-9A-Z]{26})$/m.exec(triggered.stdout)?.[1];
    expect(runId).toBeDefined();
    expect(triggered.stdout).toMatch(/^trace\s+[0-9a-f]{32}$/m);

    const done = await waitForRun(factory.url, runId as string, (r) => r.state === 'succeeded' || r.state === 'failed');
    expect(done.state).toBe('succeeded');

    const runs = await cli(factory.url, 'runs');
    expect(runs.code).toBe(0);
    const [head, ...rows] = runs.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^ID\s+STATE\s+STAGE\s+DEFINITION\s+AGE\s+DURATION$/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(
      new RegExp(`^${runId}\\s+succeeded\\s+-\\s+image/node/debian/22\\.yaml\\s+\\S+ ago\\s+\\d`),
    );

    const filtered = await cli(factory.url, 'runs', '--state', 'failed', '--limit', '5');
    expect(filtered).toEqual({ code: 0, stdout: 'no runs\n', stderr: '' });
    const byDefinition = await cliJson<{ runs: RunJson[] }>(
      factory.url,
      'runs',
      '--definition=image/node/debian/22.yaml',
    );
    expect(byDefinition.runs.map((r) => r.id)).toEqual([runId]);

    const shown = await cli(factory.url, 'run', runId as string);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^run\\s+${runId}$`, 'm'));
    expect(shown.stdout).toMatch(/^definition\s+image\/node\/debian\/22\.yaml$/m);
    expect(shown.stdout).toMatch(/^state\s+succeeded$/m);
    expect(shown.stdout).toMatch(/^finished\s+\d{4}-\d\d-\d\dT.*Z \(took /m);
    expect(shown.stdout).toMatch(/^STAGE\s+STATUS\s+ATTEMPTS\s+START\s+DURATION$/m);
    const stageRows = shown.stdout.split('\n').filter((l) => /^[a-z]+\s+succeeded\s+1\s+\+\S+\s+\S+$/.test(l));
    expect(stageRows.map((l) => l.split(/\s+/)[0])).toEqual(ALL_STAGES);
    for (const stage of ALL_STAGES) expect(shown.stdout).toContain(`    ${stage}.attempt = 1\n`);
  });

  it('runs only the stages between --from and --to', async () => {
    const started = await cliJson<{ runId: string; traceId: string }>(
      factory.url,
      'trigger',
      'image/node/debian/22.yaml',
      '--from',
      'build',
      '--to=sign',
    );
    const run = await waitForRun(factory.url, started.runId, (r) => r.state === 'succeeded' || r.state === 'failed');
    expect(run.state).toBe('succeeded');
    expect(run.stages.map((s) => s.stage)).toEqual(['build', 'test', 'scan', 'sign']);

    // The same --idempotency-key again (a script re-running after a lost answer): the first run, not a second one.
    const again = await cliJson<{ runId: string }>(
      factory.url,
      'trigger',
      'image/node/debian/22.yaml',
      '--from',
      'build',
      '--to=sign',
      '--idempotency-key',
      'cli-key-1',
    );
    const repeat = await cliJson<{ runId: string }>(
      factory.url,
      'trigger',
      'image/node/debian/22.yaml',
      '--from',
      'build',
      '--to=sign',
      '--idempotency-key',
      'cli-key-1',
    );
    expect(repeat.runId).toBe(again.runId);
    expect(again.runId).not.toBe(started.runId);
    // The same key for another request is refused, naming the key.
    const reused = await cli(factory.url, 'trigger', 'image/node/debian/12.yaml', '--idempotency-key', 'cli-key-1');
    expect(reused.code).toBe(1);
    expect(reused.stderr).toMatch(/^error idempotency-key-reused: /m);
  });

  it('shows a poisoned job in the dead-letter queue and replays it', async () => {
    const { runId } = await cliJson<{ runId: string }>(factory.url, 'trigger', 'poison/terminal-build.yaml');
    const failed = await waitForRun(factory.url, runId, (r) => r.state === 'failed');
    expect(failed.stages.find((s) => s.stage === 'build')).toMatchObject({ status: 'failed', attempts: 1 });

    const shown = await cli(factory.url, 'run', runId);
    expect(shown.stdout).toMatch(/^error\s+test-poison at build: poison definition refuses stage build$/m);
    expect(shown.stdout).toMatch(/^build\s+failed\s+1\s/m);
    expect(shown.stdout).toContain('    error test-poison: poison definition refuses stage build\n');
    const runsRow = (await cli(factory.url, 'runs', '--state', 'failed')).stdout.split('\n')[1];
    expect(runsRow).toMatch(new RegExp(`^${runId}\\s+failed\\s+build\\s+poison/terminal-build\\.yaml\\s`));

    const entries = await waitFor('the dead-letter entry', async () => {
      const { entries } = await cliJson<{ entries: DeadLetterJson[] }>(factory.url, 'dlq', 'list');
      return entries.length ? entries : undefined;
    });
    expect(entries).toHaveLength(1);
    const first = entries[0] as DeadLetterJson;
    expect(first).toMatchObject({ runId, errorCode: 'test-poison', jobName: 'stage.build' });

    const listed = await cli(factory.url, 'dlq', 'list', '--limit', '10');
    expect(listed.code).toBe(0);
    const [head, row] = listed.stdout.split('\n');
    expect(head).toMatch(/^ID\s+JOB\s+ERROR\s+ATTEMPTS\s+FAILED\s+RUN\s+REASON$/);
    expect(row).toMatch(
      new RegExp(
        `^${first.id.replace(/\./g, '\\.')}\\s+stage\\.build\\s+test-poison\\s+1\\s+.+ ago\\s+${runId}\\s+poison definition refuses stage build$`,
      ),
    );

    const replayed = await cli(factory.url, 'dlq', 'replay', first.id);
    expect(replayed).toEqual({
      code: 0,
      stdout: `replayed ${first.id}: job ${runId}.build (stage.build) is back on queue {build}\n`,
      stderr: '',
    });

    // The poison is terminal: the replayed job fails again and comes back as a new entry.
    const again = await waitFor('a new dead-letter entry', async () => {
      const { entries: now } = await cliJson<{ entries: DeadLetterJson[] }>(factory.url, 'dlq', 'list');
      return now.length === 1 && now[0]?.id !== first.id ? now : undefined;
    });
    expect(again[0]).toMatchObject({ runId, errorCode: 'test-poison' });
    const rerun = await waitForRun(
      factory.url,
      runId,
      (r) => r.state === 'failed' && r.stages.some((s) => s.stage === 'build' && s.attempts === 2),
    );
    expect(rerun.stages.find((s) => s.stage === 'build')?.status).toBe('failed');

    // The old entry is gone: replaying it again is an API error.
    const stale = await cli(factory.url, 'dlq', 'replay', first.id);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toBe(`error dead-letter-not-found: no dead-letter entry with id "${first.id}"\n`);
  });

  it('prints API errors as "error <code>: <message>" with exit code 1', async () => {
    const missing = await cli(factory.url, 'run', 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9');
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error run-not-found: no run with id "run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9"\n',
    });

    const dlqEmpty = await cli(factory.url, 'dlq', 'list');
    expect(dlqEmpty).toEqual({ code: 0, stdout: 'the dead-letter queue is empty\n', stderr: '' });
    const noRuns = await cli(factory.url, 'runs');
    expect(noRuns).toEqual({ code: 0, stdout: 'no runs\n', stderr: '' });
  });
});

describe('patch-factory usage errors', () => {
  const api = 'http://127.0.0.1:9'; // never called: these fail before any request

  it.each([
    [['frob'], /^patch-factory: unknown command "frob"$/m],
    [['runs', '--bogus'], /^patch-factory: unknown flag "--bogus" for runs$/m],
    [['runs', '-x'], /^patch-factory: unknown flag "-x" for runs$/m],
    [['--json'], /^patch-factory: unknown flag "--json"; flags come after the command$/m],
    [['runs', '--limit', '0'], /^patch-factory: --limit must be a whole number from 1 to 1000, not "0"$/m],
    [['runs', '--limit', 'ten'], /^patch-factory: --limit must be a whole number from 1 to 1000, not "ten"$/m],
    [['dlq', 'list', '--limit=1001'], /^patch-factory: --limit must be a whole number from 1 to 1000, not "1001"$/m],
    [['runs', '--limit'], /^patch-factory: --limit needs a value$/m],
    [
      ['runs', '--state', 'done'],
      /^patch-factory: --state must be one of queued, running, awaiting, succeeded, failed, superseded, not "done"$/m,
    ],
    [
      ['runs', '--definition', '../etc/passwd'],
      /^patch-factory: --definition "\.\.\/etc\/passwd" is not a definition path/m,
    ],
    [['runs', '--json', '--json'], /^patch-factory: --json is given more than once$/m],
    [['run'], /^patch-factory: run needs <id>$/m],
    [['run', 'a', 'b'], /^patch-factory: unexpected argument "b" for run$/m],
    [['run', 'run/../x'], /^patch-factory: "run\/\.\.\/x" is not a valid run id/m],
    [['run', '..'], /^patch-factory: "\.\." is not a valid run id/m],
    [['run', 'x'.repeat(301)], /is not a valid run id/],
    [['run', 'a\u001b[2Jb'], /^patch-factory: "a\\e\[2Jb" is not a valid run id/m],
    [['dlq'], /^patch-factory: dlq needs a subcommand$/m],
    [['dlq', 'purge'], /^patch-factory: unknown dlq subcommand "purge"$/m],
    [['dlq', 'replay', 'a%2F..'], /^patch-factory: "a%2F\.\." is not a valid dead-letter id/m],
    [['trigger', '/etc/passwd.yaml'], /^patch-factory: definition "\/etc\/passwd\.yaml" is not a definition path/m],
    [['trigger', 'a.yaml', '--from', 'watch'], /^patch-factory: --from must be one of plan, patch, .*, not "watch"$/m],
    [['trigger', 'a.yaml', '--from', 'sign', '--to', 'build'], /^patch-factory: --from sign comes after --to build/m],
    [[], /^patch-factory: missing command$/m],
    [['definitions'], /^patch-factory: definitions needs a subcommand$/m],
    [['definitions', 'validate'], /^patch-factory: definitions validate needs <dir-or-file>$/m],
    [
      ['definitions', 'validate', 'a', '--strict'],
      /^patch-factory: unknown flag "--strict" for definitions validate$/m,
    ],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const res = await cli(api, ...args);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(message);
    expect(res.stderr).toMatch(/^usage: patch-factory /m);
    expect(controlCharacters(res.stderr)).toEqual([]);
  });

  it('refuses a PF_API_URL that is not an http(s) URL (exit 2)', async () => {
    for (const bad of [
      'ftp://127.0.0.1/',
      'not a url',
      'http://user:pw@127.0.0.1:8080',
      'http://127.0.0.1:8080/?x=1',
    ]) {
      const res = await cli(bad, 'runs');
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/^patch-factory: PF_API_URL must be an http:\/\/ or https:\/\/ URL/);
    }
  });

  it('names PF_API_URL when the API cannot be reached (exit 1)', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const res = await cli(url, 'runs');
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(
      `error api-unreachable: cannot reach the patch-factory API at ${url}/ (PF_API_URL): connect ECONNREFUSED 127.0.0.1:${url.split(':')[2]}\n`,
    );
  });

  it('prints help for everything, a command and a group (exit 0)', async () => {
    const general = await cli(undefined, '--help');
    expect(general.code).toBe(0);
    for (const cmd of [
      'runs ',
      'run <id>',
      'trigger <definition>',
      'dlq list',
      'dlq replay <id>',
      'definitions validate <dir-or-file>',
      'PF_API_URL',
    ]) {
      expect(general.stdout).toContain(cmd);
    }
    expect((await cli(undefined, 'help')).stdout).toBe(general.stdout);
    const runs = await cli(undefined, 'runs', '--help');
    expect(runs).toMatchObject({ code: 0, stderr: '' });
    expect(runs.stdout).toMatch(/^usage: patch-factory runs \[--state STATE\]/);
    expect((await cli(undefined, 'help', 'runs')).stdout).toBe(runs.stdout);
    const dlq = await cli(undefined, 'dlq', '--help');
    expect(dlq.stdout).toContain('usage: patch-factory dlq list');
    expect(dlq.stdout).toContain('usage: patch-factory dlq replay');
    expect((await cli(undefined, 'help', 'nothing')).code).toBe(2);
    const definitions = await cli(undefined, 'help', 'definitions');
    expect(definitions.stdout).toMatch(/^usage: patch-factory definitions validate <dir-or-file>$/m);
    expect(definitions.stdout).toMatch(/"N valid, M invalid", where N and M count definitions and info files together/);
  });

  it('runs as the npm bin: node tools/cli/bin/patch-factory.cjs --help', async () => {
    const res = await runNode(join(root, 'tools/cli/bin/patch-factory.cjs'), ['--help'], undefined);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^usage: patch-factory <command>/);
  });
});

describe('patch-factory definitions validate (no API needed)', () => {
  it('finds the real catalog valid (exit 0)', async () => {
    const res = await cli('not a url', 'definitions', 'validate', join(root, '..', 'shared', 'corpus', 'dhi-catalog'));
    expect(res).toEqual({
      code: 0,
      stdout:
        'definitions: 2582 valid, 0 invalid; info files: 554 valid, 0 invalid; 4 other YAML files skipped\n3136 valid, 0 invalid\n',
      stderr: '',
    });
  });

  it('prints the problems of an invalid definition (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-cli-'));
    try {
      mkdirSync(join(dir, 'image/app/debian-13'), { recursive: true });
      writeFileSync(join(dir, 'image/app/debian-13/1.yaml'), 'name: app\nplatforms: [linux/s390x]\n');
      writeFileSync(join(dir, 'image/app/debian-13/2.yaml'), 'name: app\n');
      const res = await cli(undefined, 'definitions', 'validate', dir);
      expect(res).toEqual({
        code: 1,
        stdout: [
          `${dir}/image/app/debian-13/1.yaml:2:13: platforms[0]: expected one of "linux/amd64", "linux/arm64", got a string ("linux/s390x")`,
          'definitions: 1 valid, 1 invalid; info files: 0 valid, 0 invalid',
          '1 valid, 1 invalid',
          '',
        ].join('\n'),
        stderr: '',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('patch-factory against a hostile server', () => {
  const ESC = '\u001b';
  let server: Server;
  let url: string;
  /** What the server answers next: status and raw body (`queue`: answers used first, one per request). */
  let answer: { status: number; body: string; headers?: Record<string, string> } = { status: 200, body: '{}' };
  let queue: (typeof answer)[] = [];
  /** The Idempotency-Key of each request received. */
  const keys: (string | undefined)[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      keys.push(req.headers['idempotency-key'] as string | undefined);
      const next = queue.shift() ?? answer;
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(next.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const evil = `x${ESC}]0;pwned\u0007${ESC}[2J\r\u009b31m\u202eevil\nline`;
  const run = {
    id: 'run_01J0Z3W2Y8K8Q0X1V5T6R7S8P9',
    definition: evil,
    trigger: { kind: 'manual', ref: evil },
    state: 'failed',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_001_000,
    finishedAt: 1_700_000_001_000,
    traceId: evil,
    stages: [
      {
        stage: 'plan',
        status: 'failed',
        attempts: 1,
        startedAt: 1_700_000_000_010,
        finishedAt: 1_700_000_001_000,
        artifacts: { [evil]: evil },
        error: { code: evil, message: evil },
        awaiting: evil,
      },
    ],
    error: { stage: 'plan', code: evil, message: evil },
  };

  function expectNoControlCharacters(text: string): void {
    expect(controlCharacters(text)).toEqual([]);
  }

  it('escapes control characters in run data', async () => {
    answer = { status: 200, body: JSON.stringify(run) };
    const shown = await cli(url, 'run', run.id);
    expect(shown.code).toBe(0);
    expectNoControlCharacters(shown.stdout);
    expect(shown.stdout).toContain('x\\e]0;pwned\\x07\\e[2J\\r\\x9b31m\\u{202e}evil\\nline');

    answer = { status: 200, body: JSON.stringify({ runs: [run] }) };
    const listed = await cli(url, 'runs');
    expect(listed.code).toBe(0);
    expectNoControlCharacters(listed.stdout);
    expect(listed.stdout.split('\n')).toHaveLength(3);

    const json = await cli(url, 'runs', '--json');
    expectNoControlCharacters(json.stdout);
    expect(JSON.parse(json.stdout)).toEqual({ runs: [run] });
  });

  it('retries a trigger the API could not take (503) with the same Idempotency-Key; a 400 is not retried', async () => {
    keys.length = 0;
    const unavailable = {
      status: 503,
      body: JSON.stringify({ error: { code: 'redis-unavailable', message: 'Redis is restarting' } }),
    };
    queue = [unavailable, unavailable];
    answer = { status: 202, body: JSON.stringify({ runId: run.id, traceId: 'a'.repeat(32) }) };
    const ok = await cli(url, 'trigger', 'image/node/debian/22.yaml');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(run.id);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);

    keys.length = 0;
    queue = [unavailable, unavailable, unavailable];
    const gaveUp = await cli(url, 'trigger', 'image/node/debian/22.yaml', '--idempotency-key', 'k-2');
    expect(gaveUp.code).toBe(1);
    expect(gaveUp.stderr).toMatch(/^error redis-unavailable: /m);
    expect(keys).toEqual(['k-2', 'k-2', 'k-2']);

    keys.length = 0;
    queue = [{ status: 400, body: JSON.stringify({ error: { code: 'invalid-request', message: 'no' } }) }];
    expect((await cli(url, 'trigger', 'image/node/debian/22.yaml')).code).toBe(1);
    expect(keys).toHaveLength(1);
    queue = [];

    const bad = await cli(url, 'trigger', 'image/node/debian/22.yaml', '--idempotency-key', 'has space');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--idempotency-key must be 1 to 255 visible ASCII characters/);
  });

  it('escapes control characters in API errors', async () => {
    answer = { status: 404, body: JSON.stringify({ error: { code: 'run-not-found', message: evil } }) };
    const res = await cli(url, 'run', run.id);
    expect(res.code).toBe(1);
    expectNoControlCharacters(res.stderr);
    expect(res.stderr).toBe('error run-not-found: x\\e]0;pwned\\x07\\e[2J\\r\\x9b31m\\u{202e}evil\\nline\n');
  });

  it('reports answers that are not the API (exit 1)', async () => {
    answer = { status: 200, body: '<html>hello</html>' };
    const html = await cli(url, 'runs');
    expect(html.code).toBe(1);
    expect(html.stderr).toMatch(
      /^error bad-response: the API at .* answered 200 with a body that is not JSON; is PF_API_URL the patch-factory API\?$/m,
    );

    answer = { status: 200, body: JSON.stringify({ runs: [{ id: 1 }] }) };
    const shape = await cli(url, 'runs');
    expect(shape.code).toBe(1);
    expect(shape.stderr).toMatch(/^error bad-response: the API answered with an unexpected run list: runs\.0\.id: /m);

    answer = { status: 500, body: JSON.stringify({ oops: true }) };
    const bare = await cli(url, 'dlq', 'list');
    expect(bare).toMatchObject({
      code: 1,
      stderr: 'error http-500: the API answered 500 without an error description\n',
    });

    answer = { status: 307, body: '', headers: { location: 'http://elsewhere.invalid/runs' } };
    const moved = await cli(url, 'trigger', 'image/a/b/c.yaml');
    expect(moved.code).toBe(1);
    expect(moved.stderr).toMatch(
      /^error bad-response: .* answered 307 redirecting to http:\/\/elsewhere\.invalid\/runs; set PF_API_URL to the API itself$/m,
    );
  });
});
