import { chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import Ajv from 'ajv';
import { detectSandbox } from '@patch-factory/builder';
import type { ImageTest } from '@patch-factory/definitions';
import { readBundleRunConfig } from './bundle-config';
import { buildCtrfReport } from './ctrf-report';
import { CTRF_SUBSET_SCHEMA } from './ctrf-subset-schema.fixture';
import { buildExampleImages, type BuiltExample, type ExampleImages } from './image.fixture';
import { runPolicyChecks } from './policy-checks';
import { runImageTests } from './run-image-tests';

jest.setTimeout(300_000);

let fixture: ExampleImages;
let server: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  fixture = await buildExampleImages();
  server = createServer((socket) => {
    connections++;
    socket.end('reached\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await fixture?.close();
});

function image(name: 'static-dev' | 'redis'): BuiltExample {
  const found = fixture.images.get(name);
  if (!found) throw new Error(`${name} was not built`);
  return found;
}

async function runIn(name: 'static-dev' | 'redis', tests: ImageTest[], kind?: 'bwrap' | 'chroot') {
  const img = image(name);
  const config = await readBundleRunConfig(img.bundle);
  return runImageTests(img.rootfs, tests, {
    env: config.env,
    user: config.user,
    workDir: config.workDir,
    ...(kind ? { kind } : {}),
  });
}

describe('runImageTests on static-dev (a shell, runs as root)', () => {
  const tests: ImageTest[] = [
    { name: 'echo', commands: ['echo hello'], 'exit-code': 0, output: 'hello' },
    { name: 'exit 3 expected', commands: ['exit 3'], 'exit-code': 3 },
    { name: 'exit 3 unexpected', commands: ['exit 3'], 'exit-code': 0 },
    { name: 'hangs', commands: ['sleep 30'], 'exit-code': 0, timeout: 1 },
    { name: 'network', commands: [`bash -c 'echo hi > /dev/tcp/127.0.0.1/PORT'`], 'exit-code': 0 },
    {
      name: 'env, user and directory',
      directory: '/etc',
      commands: ['echo "$SSL_CERT_FILE $(id -u) $(pwd)"'],
      'exit-code': 0,
      output: '/etc/ssl/certs/ca-certificates.crt 0 /etc',
    },
    { name: 'a && b', commands: ['true', 'exit 4', 'echo never'], 'exit-code': 4 },
    { name: 'output missing', commands: ['echo something'], 'exit-code': 0, output: 'else' },
    { name: 'read-only root', commands: ['touch /etc/pf-test'], 'exit-code': 0 },
    { name: 'no host', commands: ['test ! -e /work && test ! -e /root/.npm && ls /'], 'exit-code': 0 },
  ];

  it('passes, fails, times out and cuts the network as expected', async () => {
    const withPort = tests.map((t) => ({ ...t, commands: t.commands?.map((c) => c.replace('PORT', String(port))) }));
    const started = Date.now();
    const results = await runIn('static-dev', withPort);
    const by = new Map(results.map((r) => [r.name, r]));
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['echo', 'passed'],
      ['exit 3 expected', 'passed'],
      ['exit 3 unexpected', 'failed'],
      ['hangs', 'failed'],
      ['network', 'failed'],
      ['env, user and directory', 'passed'],
      ['a && b', 'passed'],
      ['output missing', 'failed'],
      ['read-only root', 'failed'],
      ['no host', 'passed'],
    ]);
    expect(by.get('echo')).toMatchObject({ exitCode: 0, timedOut: false, output: 'hello\n' });
    expect(by.get('exit 3 unexpected')?.message).toBe(
      'tests[2] "exit 3 unexpected" exited with 3, expected 0 (no output)',
    );
    expect(by.get('hangs')).toMatchObject({ timedOut: true });
    expect(by.get('hangs')?.exitCode).toBeUndefined();
    expect(by.get('hangs')?.message).toContain('ran longer than its timeout of 1 s and was killed');
    expect(by.get('hangs')?.durationMs).toBeLessThan(10_000);
    expect(by.get('network')?.exitCode).not.toBe(0);
    expect(by.get('network')?.output).toMatch(/Connection refused|Network is unreachable|No such file/);
    expect(connections).toBe(0);
    expect(by.get('output missing')?.message).toContain('its output lacks "else"');
    expect(by.get('read-only root')?.output).toContain('Read-only file system');
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('runs the same under the chroot fallback', async () => {
    const results = await runIn(
      'static-dev',
      [tests[0], tests[2], tests[3], tests[5]].filter((t): t is ImageTest => t !== undefined),
      'chroot',
    );
    expect(results.map((r) => [r.name, r.status, r.timedOut])).toEqual([
      ['echo', 'passed', false],
      ['exit 3 unexpected', 'failed', false],
      ['hangs', 'failed', true],
      ['env, user and directory', 'passed', false],
    ]);
  });
});

describe('runImageTests: limits, malformed input and options', () => {
  it('bounds the output it keeps, and still matches its end', async () => {
    const [r] = await runIn('static-dev', [
      { commands: [`head -c 300000 /dev/zero | tr '\\0' a; echo; echo END`], 'exit-code': 0, output: 'END' },
    ]);
    expect(r?.status).toBe('passed');
    expect(r?.output.length).toBeLessThanOrEqual(4096);
    expect(r?.output.endsWith('END\n')).toBe(true);
  });

  it('fails a test whose directory is not in the image, and one without commands', async () => {
    const results = await runIn('static-dev', [
      { name: 'nowhere', directory: '/no/such', commands: ['true'], 'exit-code': 0 },
      { name: 'empty', 'exit-code': 0 },
    ]);
    expect(results.map((r) => r.message)).toEqual([
      'tests[0] "nowhere" cannot run: its directory "/no/such" is not a directory in the image',
      'tests[1] "empty" has no commands',
    ]);
  });

  it('refuses a malformed image Env before running anything', async () => {
    const img = image('static-dev');
    await expect(
      runImageTests(img.rootfs, [{ commands: ['true'], 'exit-code': 0 }], { env: ['LD_PRELOAD'] }),
    ).rejects.toMatchObject({
      code: 'image-test-invalid',
      message: expect.stringContaining('Env[0] "LD_PRELOAD"') as unknown,
    });
  });

  it('stops on abort with a retryable shutdown', async () => {
    const img = image('static-dev');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    await expect(
      runImageTests(img.rootfs, [{ commands: ['sleep 30'], 'exit-code': 0 }], { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'shutdown', retryable: true });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('with writable: true a test may change the root', async () => {
    const img = image('static-dev');
    const [r] = await runImageTests(
      img.rootfs,
      [{ commands: ['echo x > /root/pf-written && rm /root/pf-written'], 'exit-code': 0 }],
      { writable: true },
    );
    expect(r?.status).toBe('passed');
  });

  it('says so when the image user cannot reach the root', async () => {
    const img = image('redis');
    chmodSync(img.bundle, 0o700);
    try {
      await expect(runIn('redis', [{ commands: ['redis-server --version'], 'exit-code': 0 }])).rejects.toMatchObject({
        code: 'image-test-root-unusable',
        message: expect.stringContaining('the image runs as 65532:65532, who cannot reach its root') as unknown,
      });
    } finally {
      chmodSync(img.bundle, 0o755);
    }
  });
});

describe('runImageTests on redis (no shell, runs as 65532)', () => {
  it('splits commands into words and runs them as the image user in its work-dir', async () => {
    const results = await runIn('redis', [
      { name: 'version', commands: ['redis-server --version'], 'exit-code': 0, output: 'v=7.0' },
      { name: 'absolute', commands: ['/usr/bin/redis-cli -v'], 'exit-code': 0, output: 'redis-cli 7.0' },
      { name: 'pipe', commands: ['redis-server --version | grep 7'], 'exit-code': 0 },
      { name: 'missing', commands: ['sh -c true'], 'exit-code': 0 },
    ]);
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['version', 'passed'],
      ['absolute', 'passed'],
      ['pipe', 'failed'],
      ['missing', 'failed'],
    ]);
    expect(results[2]?.message).toBe(
      'tests[2] "pipe" command 1 "redis-server --version | grep 7" cannot run: the image has no /bin/sh and it uses shell syntax ("|")',
    );
    expect(results[3]?.message).toContain('"sh" is not found on the image\'s PATH');
  });

  it('refuses the chroot fallback, which needs a shell in the image', async () => {
    await expect(
      runIn('redis', [{ commands: ['redis-server --version'], 'exit-code': 0 }], 'chroot'),
    ).rejects.toMatchObject({ code: 'image-test-sandbox-unsupported' });
  });
});

describe('policy checks on the built images', () => {
  it('redis (runtime) passes every check', async () => {
    const img = image('redis');
    const config = await readBundleRunConfig(img.bundle);
    const checks = await runPolicyChecks(img.rootfs, {
      variant: img.definition.variant,
      accounts: img.definition.accounts,
      user: config.configUser,
    });
    expect(checks.map((c) => [c.id, c.status, c.findings])).toEqual([
      ['no-shell', 'passed', []],
      ['no-package-manager', 'passed', []],
      ['non-root-user', 'passed', []],
      ['no-setuid-setgid', 'passed', []],
      ['no-world-writable', 'passed', []],
      ['no-secrets', 'passed', []],
    ]);
  });

  it('static-dev: the dev variant may ship a shell and apt; judged as runtime it may not', async () => {
    const img = image('static-dev');
    const config = await readBundleRunConfig(img.bundle);
    const input = { accounts: img.definition.accounts, user: config.configUser };
    const dev = await runPolicyChecks(img.rootfs, { ...input, variant: 'dev' });
    // Real findings of this dev image: passwd/login's setuid and setgid programs, and the
    // self-test private keys libgnutls (an apt dependency) embeds.
    expect(dev.map((c) => [c.id, c.status])).toEqual([
      ['no-shell', 'skipped'],
      ['no-package-manager', 'skipped'],
      ['non-root-user', 'passed'],
      ['no-setuid-setgid', 'failed'],
      ['no-world-writable', 'passed'],
      ['no-secrets', 'failed'],
    ]);
    const setuid = dev.find((c) => c.id === 'no-setuid-setgid');
    expect(setuid?.findings).toEqual(
      expect.arrayContaining([{ path: '/usr/bin/passwd', kind: 'setuid', detail: 'mode 4755 owner 0:0' }]),
    );
    const secrets = dev.find((c) => c.id === 'no-secrets');
    expect(new Set(secrets?.findings.map((f) => f.path))).toEqual(
      new Set([expect.stringMatching(/^\/usr\/lib\/x86_64-linux-gnu\/libgnutls\.so\.30\.[0-9.]+$/)]),
    );
    expect(JSON.stringify(secrets)).not.toContain('MII'); // never the key itself
    const allowed = await runPolicyChecks(img.rootfs, {
      ...input,
      variant: 'dev',
      secretsAllowed: ['/usr/lib/x86_64-linux-gnu'],
    });
    expect(allowed.find((c) => c.id === 'no-secrets')?.status).toBe('passed');
    const asRuntime = await runPolicyChecks(img.rootfs, { ...input, variant: 'runtime' });
    const shell = asRuntime.find((c) => c.id === 'no-shell');
    expect(shell?.status).toBe('failed');
    expect(shell?.findings.map((f) => f.path)).toEqual(
      expect.arrayContaining(['/usr/bin/bash', '/usr/bin/dash', '/usr/bin/sh']),
    );
    expect(asRuntime.find((c) => c.id === 'no-package-manager')?.findings.map((f) => f.path)).toEqual(
      expect.arrayContaining(['/usr/bin/apt-get', '/usr/bin/dpkg']),
    );
  });
});

describe('the CTRF report', () => {
  it('of a real run validates against the CTRF schema (the subset this lib writes)', async () => {
    const start = Date.now();
    const img = image('redis');
    const config = await readBundleRunConfig(img.bundle);
    const tests = await runIn('redis', [
      { name: 'version', commands: ['redis-server --version'], 'exit-code': 0, output: 'v=7.0' },
      { commands: ['redis-server --nope'], 'exit-code': 0 },
    ]);
    const checks = await runPolicyChecks(img.rootfs, {
      variant: 'runtime',
      accounts: img.definition.accounts,
      user: config.configUser,
    });
    const report = buildCtrfReport({
      tests,
      checks,
      start,
      stop: Date.now(),
      environment: { appName: 'examples/redis', buildName: '7.0' },
    });
    const validate = new Ajv({ allErrors: true }).compile(CTRF_SUBSET_SCHEMA);
    const json: unknown = JSON.parse(JSON.stringify(report));
    const valid = validate(json);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(report.results.summary).toMatchObject({ tests: 8, passed: 7, failed: 1, skipped: 0, pending: 0, other: 0 });
    expect(report.results.tests[1]).toMatchObject({ name: 'tests[1]', status: 'failed', suite: ['image tests'] });
    expect(report.results.tests[2]).toMatchObject({ name: 'policy: no-shell', status: 'passed', suite: ['policy'] });
  });
});

it('the sandbox of this host is detected', async () => {
  expect(['bwrap', 'chroot']).toContain(await detectSandbox());
});
