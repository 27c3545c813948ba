import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPolicyChecks, type PolicyCheckResult } from './policy-checks';
import { walkRoot } from './root-walk';

let root: string;
let outside: string;

/** A crafted image root: a passwd, a shell, a setuid file, world-writable entries, secrets. */
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pf-policy-'));
  outside = mkdtempSync(join(tmpdir(), 'pf-policy-outside-'));
  for (const d of ['etc', 'usr/bin', 'usr/lib', 'tmp', 'var/tmp', 'srv', 'home/app/.ssh', 'opt/app'])
    mkdirSync(join(root, d), { recursive: true });
  symlinkSync('usr/bin', join(root, 'bin'));
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/usr/sbin/nologin\n',
  );
  writeFileSync(join(root, 'usr/bin/app'), '#!app\n', { mode: 0o755 });
  writeFileSync(join(root, 'usr/bin/helper'), 'x', { mode: 0o755 });
  chmodSync(join(root, 'usr/bin/helper'), 0o4755);
  writeFileSync(join(root, 'opt/app/data.txt'), 'x');
  chmodSync(join(root, 'opt/app/data.txt'), 0o666);
  mkdirSync(join(root, 'srv/drop'));
  chmodSync(join(root, 'srv/drop'), 0o777);
  mkdirSync(join(root, 'srv/sticky'));
  chmodSync(join(root, 'srv/sticky'), 0o1777);
  chmodSync(join(root, 'tmp'), 0o1777);
  writeFileSync(join(root, 'var/tmp/scratch'), 'x');
  chmodSync(join(root, 'var/tmp/scratch'), 0o666);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(join(root, 'home/app/.ssh/id_ecdsa'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(
    join(root, 'usr/lib/libtls.so'),
    Buffer.concat([
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]),
      Buffer.from('-----BEGIN RSA PRIVATE KEY-----\u0000%s\u0000'),
    ]),
  );
  writeFileSync(
    join(root, 'opt/app/config.env'),
    `# deploy\nAWS_KEY=AKIA${'Q'.repeat(16)}\nTOKEN=ghp_${'a1B2'.repeat(9)}\n`,
  );
  // Secrets and setuid files outside the root, reachable only through symlinks: never read.
  writeFileSync(join(outside, 'key'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
  symlinkSync(join(outside, 'key'), join(root, 'opt/app/linked-key'));
  symlinkSync(outside, join(root, 'opt/app/linked-dir'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function check(results: PolicyCheckResult[], id: string): PolicyCheckResult {
  const found = results.find((r) => r.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
}

describe('runPolicyChecks on a crafted root', () => {
  it('names the setuid file, the world-writable entries and each secret with its kind, never the secret', async () => {
    const results = await runPolicyChecks(root, {
      variant: 'runtime',
      accounts: { 'run-as': 'app' },
      user: '1000:1000',
    });
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['no-shell', 'passed'],
      ['no-package-manager', 'passed'],
      ['non-root-user', 'passed'],
      ['no-setuid-setgid', 'failed'],
      ['no-world-writable', 'failed'],
      ['no-secrets', 'failed'],
    ]);
    expect(check(results, 'no-setuid-setgid').findings).toEqual([
      {
        path: '/usr/bin/helper',
        kind: 'setuid',
        detail: `mode 4755 owner ${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
      },
    ]);
    expect(check(results, 'no-setuid-setgid').message).toContain('/usr/bin/helper (setuid)');
    expect(check(results, 'no-world-writable').findings).toEqual([
      { path: '/opt/app/data.txt', kind: 'world-writable file', detail: 'mode 0666' },
      { path: '/srv/drop', kind: 'world-writable directory', detail: 'mode 0777' },
    ]);
    const secrets = check(results, 'no-secrets');
    expect(secrets.findings).toEqual([
      { path: '/home/app/.ssh/id_ecdsa', kind: 'pem-private-key', detail: 'line 1' },
      { path: '/opt/app/config.env', kind: 'aws-access-key-id', detail: 'line 2' },
      { path: '/opt/app/config.env', kind: 'github-token', detail: 'line 3' },
    ]);
    const text = JSON.stringify(results);
    expect(text).not.toContain('AKIAQQ');
    expect(text).not.toContain('ghp_a1');
    expect(text).not.toContain('MIG');
    expect(text).not.toContain('libtls'); // a PEM header alone (as in TLS libraries) is no key
    expect(text).not.toContain('linked-key'); // symlinks are never followed
  });

  it('fails a runtime image with a shell and a package manager, naming them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-policy-shell-'));
    try {
      mkdirSync(join(dir, 'usr/bin'), { recursive: true });
      mkdirSync(join(dir, 'opt'), { recursive: true });
      symlinkSync('usr/bin', join(dir, 'bin'));
      writeFileSync(join(dir, 'usr/bin/dash'), 'x', { mode: 0o755 });
      symlinkSync('dash', join(dir, 'usr/bin/sh'));
      symlinkSync('/nowhere', join(dir, 'usr/bin/bash')); // dangling: not a shell
      writeFileSync(join(dir, 'usr/bin/dpkg'), 'x', { mode: 0o755 });
      writeFileSync(join(dir, 'opt/busybox'), 'x', { mode: 0o755 });
      const results = await runPolicyChecks(dir, {
        variant: 'runtime',
        accounts: { root: true, 'run-as': 'root' },
        user: '',
      });
      expect(check(results, 'no-shell').findings).toEqual([
        { path: '/opt/busybox', kind: 'shell busybox' },
        { path: '/usr/bin/dash', kind: 'shell dash' },
        { path: '/usr/bin/sh', kind: 'shell sh', detail: 'symlink to /usr/bin/dash' },
      ]);
      expect(check(results, 'no-package-manager').findings).toEqual([
        { path: '/usr/bin/dpkg', kind: 'package manager dpkg' },
      ]);
      expect(check(results, 'non-root-user').status).toBe('passed'); // declared: accounts.root and run-as root
      const dev = await runPolicyChecks(dir, { variant: 'dev', accounts: { root: true, 'run-as': 'root' } });
      expect(check(dev, 'no-shell')).toMatchObject({ status: 'skipped', findings: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('non-root-user', () => {
  it.each([
    ['empty User, no accounts', undefined, '', 'accounts.root is not true'],
    ['User 0, run-as root without accounts.root', { 'run-as': 'root' }, '0:0', 'accounts.root is not true'],
    [
      'User root by name, accounts.root but run-as app',
      { root: true, 'run-as': 'app' },
      'root',
      'accounts.run-as is "app", not root',
    ],
  ])('fails an image that runs as root: %s', async (_what, accounts, user, why) => {
    const results = await runPolicyChecks(root, { accounts, user });
    const c = check(results, 'non-root-user');
    expect(c.status).toBe('failed');
    expect(c.findings.map((f) => [f.path, f.kind])).toEqual([['config.User', 'runs as root']]);
    expect(c.findings[0]?.detail).toContain(why);
    expect(c.message).toContain(why);
  });

  it('passes a name from the image passwd, fails an unknown one', async () => {
    expect(check(await runPolicyChecks(root, { user: 'app' }), 'non-root-user')).toMatchObject({
      status: 'passed',
      message: 'runs as uid 1000 (config User "app")',
    });
    expect(check(await runPolicyChecks(root, { user: 'ghost' }), 'non-root-user')).toMatchObject({
      status: 'failed',
      findings: [{ path: 'config.User', kind: 'unknown user' }],
    });
  });
});

it('walkRoot lists symlinks as entries and never follows them', async () => {
  const paths = (await walkRoot(root)).map((e) => e.path);
  expect(paths).toContain('/opt/app/linked-dir');
  expect(paths.some((p) => p.startsWith('/opt/app/linked-dir/'))).toBe(false);
  await expect(walkRoot(root, 5)).rejects.toMatchObject({ code: 'image-policy-root-too-large' });
});
