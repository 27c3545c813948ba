import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { repoRoot } from '@patch-factory/testing';
import { deliverOnce, generateSecret, signedHeaders } from '@patch-factory/webhooks';
import { Webhook } from 'standardwebhooks';

/**
 * `patch-factory webhooks listen` as people run it: the compiled dist/tools/cli/src/main.js in its
 * own process, on port 0 (the bound address read from stderr). Build first (tsc -b tsconfig.build.json).
 */

const root = repoRoot();

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Running {
  url: string;
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  exited: Promise<Exit>;
}

function startCli(args: readonly string[]): {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<Exit>;
  err: () => string;
} {
  const child = spawn(process.execPath, [join(root, 'tools/node/run.cjs'), 'dist/tools/cli/src/main.js', ...args], {
    cwd: root,
    env: { ...process.env, PF_EXIT_WITH_PARENT: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exited, err: () => stderr };
}

const running: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of running.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts the listener on port 0 and resolves once it printed its address. */
async function listen(...args: string[]): Promise<Running> {
  const { child, exited, err } = startCli(['webhooks', 'listen', '--port', '0', ...args]);
  running.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" within 20 s: ${err()}`)), 20_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(err());
      if (m) {
        clearTimeout(timer);
        child.stderr.off('data', check);
        resolve(m[1] as string);
      }
    };
    child.stderr.on('data', check);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`exited ${e.code} before listening: ${e.stderr}`));
    });
  });
  return { url, child, stderr: err, exited };
}

/** The CLI run to completion (usage errors). */
async function runToEnd(...args: string[]): Promise<Exit> {
  const { child, exited } = startCli(args);
  running.push(child);
  return exited;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function envelope(id: string, extra: Record<string, unknown> = {}) {
  return {
    specversion: '1.0',
    id,
    source: '/patch-factory',
    type: 'image.published',
    time: '2026-12-07T20:00:00Z',
    subject: 'library/redis:7.4',
    datacontenttype: 'application/json',
    data: { image: 'library/redis', tags: ['7.4'] },
    ...extra,
  };
}

/** A delivery signed by the independent standardwebhooks package. */
async function postSigned(
  url: string,
  secret: string,
  webhookId: string,
  body: string,
  options: { timestamp?: Date; sendBody?: string } = {},
): Promise<{ status: number; text: string }> {
  const timestamp = options.timestamp ?? new Date();
  const signature = new Webhook(secret).sign(webhookId, timestamp, body);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body: options.sendBody ?? body,
  });
  return { status: res.status, text: await res.text() };
}

/** Characters a terminal would act on (the CLI's own line breaks aside). */
function controlCharacters(text: string): number[] {
  return [...text]
    .map((ch) => ch.codePointAt(0) as number)
    .filter(
      (c) => (c < 0x20 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || c === 0x2028,
    );
}

describe('patch-factory webhooks listen', () => {
  const secret = generateSecret();

  it('accepts a delivery signed by the standardwebhooks package (204) and prints it in one line', async () => {
    const l = await listen('--secret', secret, '--max', '1');
    const body = JSON.stringify(envelope('evt-1'));
    expect(await postSigned(l.url, secret, 'msg_std_1', body)).toEqual({ status: 204, text: '' });
    const exit = await l.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z msg_std_1 image\.published library\/redis:7\.4\n$/,
    );
    expect(exit.stderr).toContain('stopped after 1 delivery');
  });

  it('accepts a delivery made by our library through deliverOnce (allow-listed loopback)', async () => {
    const l = await listen('--secret', secret, '--max', '1', '--path', '/hooks/pf');
    const body = JSON.stringify(envelope('evt-2', { type: 'image.updated' }));
    const headers = { ...signedHeaders({ id: 'msg_lib_1', timestamp: nowSeconds(), body, secrets: [secret] }) };
    const result = await deliverOnce({ url: l.url, headers, body, allowList: ['127.0.0.1/32'] });
    expect(result).toMatchObject({ outcome: 'delivered', status: 204 });
    const exit = await l.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout.split(' ').slice(1)).toEqual(['msg_lib_1', 'image.updated', 'library/redis:7.4\n']);
  });

  it('refuses a tampered body, a wrong secret and a stale timestamp with 401, printing none of them', async () => {
    const l = await listen('--secret', secret, '--max', '1');
    const body = JSON.stringify(envelope('evt-3'));
    const tampered = await postSigned(l.url, secret, 'msg_bad_1', body, { sendBody: body.replace('7.4', '7.5') });
    const wrong = await postSigned(l.url, generateSecret(), 'msg_bad_2', body);
    const stale = await postSigned(l.url, secret, 'msg_bad_3', body, { timestamp: new Date(Date.now() - 10 * 60_000) });
    const unsigned = await fetch(l.url, { method: 'POST', body });
    expect([tampered.status, wrong.status, stale.status, unsigned.status]).toEqual([401, 401, 401, 401]);
    expect(tampered.text).toContain('webhook-signature-mismatch');
    expect(wrong.text).toContain('webhook-signature-mismatch');
    expect(stale.text).toContain('webhook-timestamp-out-of-tolerance');
    expect(await unsigned.text()).toContain('webhook-headers-missing');
    // A good one ends the listener (--max 1): only it was printed.
    expect((await postSigned(l.url, secret, 'msg_good_3', body)).status).toBe(204);
    const exit = await l.exited;
    expect(exit.stdout.trim().split('\n')).toHaveLength(1);
    expect(exit.stdout).toContain(' msg_good_3 ');
    expect(exit.stdout).not.toContain('msg_bad');
    expect(exit.stderr.match(/refused 401: /g)).toHaveLength(4);
    expect(exit.stderr).not.toContain('redis'); // the reason, never the body
  });

  it('prints a retried webhook-id once and reports the duplicate on stderr', async () => {
    const l = await listen('--secret', secret, '--max', '2');
    const body = JSON.stringify(envelope('evt-4'));
    expect((await postSigned(l.url, secret, 'msg_retry', body)).status).toBe(204);
    expect((await postSigned(l.url, secret, 'msg_retry', body)).status).toBe(204);
    expect((await postSigned(l.url, secret, 'msg_other', body)).status).toBe(204);
    const exit = await l.exited;
    const ids = exit.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[1]);
    expect(ids).toEqual(['msg_retry', 'msg_other']);
    expect(exit.stderr).toContain('duplicate webhook-id msg_retry');
  });

  it('during a rotation accepts a delivery signed only by the old secret when both are given', async () => {
    const oldSecret = generateSecret();
    const newSecret = generateSecret();
    const body = JSON.stringify(envelope('evt-5'));
    const onlyNew = await listen('--secret', newSecret, '--max', '1');
    expect((await postSigned(onlyNew.url, oldSecret, 'msg_rot_0', body)).status).toBe(401);
    onlyNew.child.kill('SIGINT');
    expect((await onlyNew.exited).code).toBe(0);

    const both = await listen('--secret', newSecret, '--secret', oldSecret, '--max', '1');
    expect((await postSigned(both.url, oldSecret, 'msg_rot_1', body)).status).toBe(204);
    const exit = await both.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain(' msg_rot_1 ');
  });

  const hostile = envelope('evt-6\u001b]0;title\u0007', {
    type: 'image.published\u202e',
    subject: 'redis\n2026-01-01T00:00:00.000Z msg_fake image.published \u001b[31mforged\u001b[0m',
  });

  it('prints hostile envelope text escaped, on one line', async () => {
    const l = await listen('--secret', secret, '--max', '1');
    expect((await postSigned(l.url, secret, 'msg_hostile', JSON.stringify(hostile))).status).toBe(204);
    const exit = await l.exited;
    expect(controlCharacters(exit.stdout)).toEqual([]);
    expect(exit.stdout.split('\n')).toHaveLength(2); // one line and the final newline
    expect(exit.stdout).toContain('redis\\n2026-01-01T00:00:00.000Z\\x20msg_fake');
    expect(exit.stdout).toContain('\\e[31mforged');
  });

  it('with --json prints each envelope as one JSON line that parses back to it', async () => {
    const l = await listen('--secret', secret, '--max', '2', '--json');
    const plain = envelope('evt-7');
    expect((await postSigned(l.url, secret, 'msg_json_1', JSON.stringify(plain))).status).toBe(204);
    expect((await postSigned(l.url, secret, 'msg_json_2', JSON.stringify(hostile))).status).toBe(204);
    const exit = await l.exited;
    expect(controlCharacters(exit.stdout)).toEqual([]);
    const lines = exit.stdout.trim().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([plain, hostile]);
  });

  it('exits 0 after --max deliveries and not before', async () => {
    const l = await listen('--secret', secret, '--max', '2');
    const body = JSON.stringify(envelope('evt-8'));
    expect((await postSigned(l.url, secret, 'msg_max_1', body)).status).toBe(204);
    // Still listening after one: a refused request is answered.
    expect((await fetch(l.url)).status).toBe(405);
    expect((await postSigned(l.url, secret, 'msg_max_2', body)).status).toBe(204);
    const exit = await l.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout.trim().split('\n')).toHaveLength(2);
    expect(exit.stderr).toContain('stopped after 2 deliveries');
  });

  it('answers 405 to other methods, 404 elsewhere, 413 beyond 1 MiB, 400 to a signed non-object; SIGTERM stops it', async () => {
    const l = await listen('--secret', secret);
    const get = await fetch(l.url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(new URL('/elsewhere', l.url), { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await postSigned(l.url, secret, 'msg_array', '[1,2]')).status).toBe(400);
    // Declared too large: answered before the body is read.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(l.url, { method: 'POST', headers: { 'content-length': String(2 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(64 * 1024));
    });
    expect(status).toBe(413);
    // Chunked (no length): cut off once past the bound.
    const chunked = await postSigned(l.url, secret, 'msg_big', 'x'.repeat(1024 * 1024 + 1)).catch(() => ({
      status: -1,
      text: '',
    }));
    expect([413, -1]).toContain(chunked.status);
    l.child.kill('SIGTERM');
    const exit = await l.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe('');
    expect(exit.stderr).toContain('refused 413: body larger than 1048576 bytes');
    expect(exit.stderr).toContain('stopped after 0 deliveries');
  });

  it.each([
    [['--port', '0'], /needs --secret/],
    [['--port', '70000', '--secret', 'whsec_x'], /--port must be a whole number from 0 to 65535/],
    [['--secret', 'whsec_x'], /needs --port/],
    [['--port', '0', '--secret', 'not-a-secret'], /--secret: does not start with whsec_/],
    [['--port', '0', '--secret', 'whsec_c2hvcnQ='], /--secret: decodes to 5 bytes/],
    [['--port', '0', '--secret', 'whsec_c2hvcnQ=', '--host', 'example.invalid'], /--secret/],
    [['--port', '0', '--secret', `whsec_${'A'.repeat(32)}`, '--host', 'nowhere'], /--host "nowhere" is not an IP/],
    [['--port', '0', '--secret', `whsec_${'A'.repeat(32)}`, '--path', 'x'], /--path "x" must start with \//],
  ])('refuses %j as a usage error (exit 2)', async (args, message) => {
    const exit = await runToEnd('webhooks', 'listen', ...args);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(message);
    expect(exit.stderr).toContain('usage: patch-factory webhooks listen');
    expect(exit.stderr).not.toContain('c2hvcnQ'); // the secret is never echoed
  });
});
