import { PipelineError } from '@patch-factory/contracts';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectRejection } from '../expect-pipeline-error.fixture';
import { makeBuildDir, removeBuildDir, type BuildDir } from './build-dir';
import { hostRootFs, requireRoot, SANDBOX_KINDS } from './host-root.fixture';
import { materializeRootFs } from './materialize';
import { detectSandbox, runSandboxStep, type SandboxStep } from './sandbox';

const template = hostRootFs();

describe('detectSandbox', () => {
  it('picks bubblewrap where it is installed (CI installs it: infra/scripts/ensure-tools.sh)', async () => {
    expect(await detectSandbox()).toBe('bwrap');
    // Probed once: the same answer again.
    expect(await detectSandbox()).toBe(await detectSandbox());
  });
});

describe.each(SANDBOX_KINDS)('runSandboxStep (%s)', (kind) => {
  let dir: BuildDir;
  let output: string;

  beforeAll(async () => {
    requireRoot(`the ${kind} sandbox tests`);
    dir = await makeBuildDir();
    await materializeRootFs(template, dir.root);
  });
  afterAll(async () => {
    if (dir !== undefined) await removeBuildDir(dir.dir);
  });
  beforeEach(() => {
    output = '';
  });

  const run = (
    script: string,
    extra: Partial<SandboxStep> = {},
    opts: { timeoutMs?: number; signal?: AbortSignal; maxLogBytes?: number } = {},
  ) =>
    runSandboxStep(
      dir.root,
      { name: 'build step "test step"', script, env: {}, ...extra },
      { kind, onOutput: (c) => (output += c), ...opts },
    );

  it('runs a script that writes into the root, with only the step environment and a clean /tmp', async () => {
    process.env['PF_SANDBOX_SECRET'] = 'host-secret';
    try {
      await run(
        'echo "[$GREETING] [$PF_SANDBOX_SECRET] [$PATH]"; echo made > /made.txt; echo scratch > /tmp/x; cat /tmp/x; pwd',
        { env: { GREETING: 'hi there' }, workDir: '/work/dir' },
      );
    } finally {
      delete process.env['PF_SANDBOX_SECRET'];
    }
    expect(output).toContain('[hi there] [] [/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin]');
    expect(output).toContain('scratch\n/work/dir\n');
    expect(readFileSync(join(dir.root, 'made.txt'), 'utf8')).toBe('made\n');
    expect(lstatSync(join(dir.root, 'work/dir')).isDirectory()).toBe(true);
  });

  it('cannot read the signing key: the host files, PF_SIGNING_KEY among them, are not in the sandbox', async () => {
    const keyDir = join(tmpdir(), `pf-signing-key-${process.pid}`);
    const keyPath = join(keyDir, 'cosign.key');
    mkdirSync(keyDir, { recursive: true, mode: 0o700 });
    writeFileSync(keyPath, '-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n', { mode: 0o600 });
    process.env['PF_SIGNING_KEY'] = `file://${keyPath}`;
    try {
      await expectRejection(
        run(`echo "[$PF_SIGNING_KEY]"; cat ${keyPath}`),
        'build-step-failed',
        'failed with exit code 1',
      );
      expect(output).toContain('[]');
      expect(output).toMatch(/No such file or directory/);
      expect(output).not.toContain('not-a-real-key');
    } finally {
      delete process.env['PF_SIGNING_KEY'];
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  it('passes the script as one argument, never through another shell', async () => {
    await run('printf "%s|" "$0" "$1" \'quote"s\' `echo back`; echo', { env: { X: '$(touch /injected)' } });
    expect(output).toBe('/bin/sh||quote"s|back|\n');
    await run('echo "$X"', { env: { X: '$(touch /injected); `touch /injected`' } });
    expect(output).toContain('$(touch /injected); `touch /injected`');
    expect(() => lstatSync(join(dir.root, 'injected'))).toThrow();
  });

  it('fails with the exit code and the end of the output', async () => {
    const script = 'i=1; while [ $i -le 30 ]; do echo "line $i"; i=$((i+1)); done; echo "to stderr" >&2; exit 3';
    const caught = await run(script).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(caught).toBeInstanceOf(PipelineError);
    const error = caught as PipelineError;
    expect(error.code).toBe('build-step-failed');
    expect(error.message).toContain('"test step" failed with exit code 3');
    expect(error.message).toContain('line 30\nto stderr');
    expect(error.message).toContain('line 12');
    expect(error.message).not.toContain('line 11\n');
    expect(output).toContain('line 1\n');
  });

  it('cuts the logged output at maxLogBytes but still reports the end of it', async () => {
    const script = 'i=0; while [ $i -lt 200 ]; do echo "0123456789 $i"; i=$((i+1)); done; exit 1';
    await expectRejection(run(script, {}, { maxLogBytes: 100 }), 'build-step-failed', '0123456789 199');
    expect(output).toContain('[output cut after 100 bytes]');
    expect(output.length).toBeLessThan(200);
  });

  it('has no network: only a loopback, and a server on the host loopback is out of reach', async () => {
    const connections: number[] = [];
    const server: Server = createServer((socket) => {
      connections.push(1);
      socket.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await run(
        `cat /proc/net/dev; if exec 3<>/dev/tcp/127.0.0.1/${port}; then echo CONNECTED; else echo REFUSED; fi`,
        { shell: '/usr/bin/bash' },
      );
    } finally {
      server.close();
    }
    expect(output).toContain('REFUSED');
    expect(output).not.toContain('CONNECTED');
    expect(connections).toHaveLength(0);
    const interfaces = [...output.matchAll(/^\s*([a-z0-9]+):/gm)].map((m) => m[1]);
    expect(interfaces).toEqual(['lo']);
  });

  it('shows nothing of the host file system', async () => {
    const marker = join(tmpdir(), `pf-sandbox-marker-${process.pid}`);
    writeFileSync(marker, 'host only');
    try {
      await run(
        `cat ${marker} || echo NO-TMP-MARKER; cat ${join(process.cwd(), 'package.json')} || echo NO-REPO; ls /`,
      );
    } finally {
      unlinkSync(marker);
    }
    expect(output).toContain('NO-TMP-MARKER');
    expect(output).toContain('NO-REPO');
    expect(output).not.toContain('host only');
    expect(output).not.toContain('patch-factory');
    // The root's own top level: what the test root holds plus the sandbox's mount points.
    const top = output.split('\n').filter((l) => /^[a-z0-9]+$/.test(l));
    expect(top.sort()).toEqual(expect.arrayContaining(['bin', 'dev', 'lib', 'lib64', 'proc', 'tmp', 'usr']));
    expect(top).not.toContain('home');
    expect(top).not.toContain('root');
  });

  it('runs as a uid/gid, and the files it makes are really theirs', async () => {
    await run('id -u; id -g; echo mine > /work/owned/file; echo denied > /usr/nope || echo NOT-ROOT', {
      uid: 4321,
      gid: 5432,
      workDir: '/work/owned',
    });
    expect(output).toContain('4321\n5432\n');
    expect(output).toContain('NOT-ROOT');
    const file = lstatSync(join(dir.root, 'work/owned/file'));
    expect([file.uid, file.gid]).toEqual([4321, 5432]);
    const workDir = lstatSync(join(dir.root, 'work/owned'));
    expect([workDir.uid, workDir.gid]).toEqual([4321, 5432]);
  });

  it('lets a root step chown to any owner, and nothing more', async () => {
    await run('echo x > /chowned; chown 777:888 /chowned && echo CHOWNED; cat /proc/self/status');
    expect(output).toContain('CHOWNED');
    const file = lstatSync(join(dir.root, 'chowned'));
    expect([file.uid, file.gid]).toEqual([777, 888]);
    const capEff = /CapEff:\s*([0-9a-f]+)/.exec(output)?.[1] ?? '';
    // CAP_SYS_ADMIN (bit 21) is gone.
    expect(BigInt(`0x${capEff}`) & (1n << 21n)).toBe(0n);
  });

  it('gives a root step only the file-ownership capabilities, and a step as another user none at all', async () => {
    const status = (): Record<string, string> =>
      Object.fromEntries([...output.matchAll(/^([A-Za-z]+):\s*([0-9a-f]+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const none = '0000000000000000';
    // CAP_CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID (bits 0-7 but 2) and SETFCAP (31): no SYS_CHROOT, SYS_ADMIN…
    const rootSet = '00000000800000fb';
    await run('cat /proc/self/status');
    expect(status()).toMatchObject({ CapPrm: rootSet, CapEff: rootSet, NoNewPrivs: '1' });
    // The chroot fallback cuts the bounding set too (bubblewrap keeps root from regaining more with SECBIT_NOROOT instead).
    if (kind === 'chroot') expect(status()).toMatchObject({ CapInh: none, CapBnd: rootSet, CapAmb: none });
    output = '';
    await run('cat /proc/self/status', { uid: 4321, gid: 5432 });
    expect(status()).toMatchObject({ CapInh: none, CapPrm: none, CapEff: none, CapAmb: none, NoNewPrivs: '1' });
    if (kind === 'chroot') expect(status()).toMatchObject({ CapBnd: none });
  });

  it('keeps the kernel settings in /proc read-only', async () => {
    // hostname is per UTS namespace (the sandbox has its own), so even a write could not reach the host.
    await run(
      'echo sandboxed > /proc/sys/kernel/hostname && echo WROTE || echo READ-ONLY; echo h > /proc/sysrq-trigger || echo NO-SYSRQ; if [ -s /proc/kcore ]; then echo KCORE-SHOWN; else echo KCORE-MASKED; fi; cat /proc/self/mountinfo',
    );
    expect(output).toContain('READ-ONLY');
    expect(output).toContain('NO-SYSRQ');
    expect(output).not.toContain('WROTE');
    expect(output).toMatch(/ \/proc\/sys ro,/);
    if (existsSync('/proc/kcore')) expect(output).toContain('KCORE-MASKED');
  });

  it('kills a step that runs too long, its children too', async () => {
    const duration = `61.${process.pid}${Date.now() % 1000}`;
    const start = Date.now();
    await expectRejection(
      run(`sleep ${duration} & sleep ${duration}`, {}, { timeoutMs: 1500 }),
      'build-step-timeout',
      'ran longer than 1500 ms',
    );
    expect(Date.now() - start).toBeLessThan(10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(processesWith(`sleep\0${duration}`)).toEqual([]);
  });

  it('stops a step when the build is cancelled (retryable)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const caught = (await run('sleep 60', {}, { signal: controller.signal }).then(
      () => undefined,
      (e: unknown) => e,
    )) as PipelineError;
    expect(caught.code).toBe('shutdown');
    expect(caught.retryable).toBe(true);
  });

  it('names a shell the root does not have, and refuses one that is not a program and plain words', async () => {
    await expectRejection(
      run('true', { shell: '/bin/zsh' }),
      'build-step-failed',
      'its shell "/bin/zsh" is not in the build root',
    );
    await expectRejection(
      run('true', { shell: 'zsh' }),
      'build-step-failed',
      'its shell "zsh" is not in the build root (looked in PATH',
    );
    await expectRejection(
      run('true', { shell: 'zsh', env: { PATH: '/nowhere' } }),
      'build-step-failed',
      'looked in PATH: /nowhere',
    );
    for (const bad of [
      'bin/sh',
      '../usr/bin/sh',
      '/usr/../usr/bin/sh',
      '/bin/sh; touch /injected',
      '/bin/sh $(touch /injected)',
      '-c',
      '/bin/sh "-e"',
    ]) {
      await expectRejection(run('true', { shell: bad }), 'build-step-unsupported', `shell "${bad}"`);
    }
    expect(() => lstatSync(join(dir.root, 'injected'))).toThrow();
  });

  it('runs the shell as the real catalog writes it: a name found in PATH, a path with its own words', async () => {
    // `bash` by name: found in the step's PATH inside the root.
    await run('echo "[$BASH]"', { shell: 'bash' });
    expect(output).toContain('[/usr/bin/bash]');
    output = '';
    // `/usr/bin/bash -e`: the words go to the shell that runs the script (errexit stops it).
    await expectRejection(
      run('false; echo not-reached', { shell: '/usr/bin/bash -e' }),
      'build-step-failed',
      'exit code 1',
    );
    expect(output).not.toContain('not-reached');
    output = '';
    // The same script without the word runs on, so it is the word that stopped it.
    await run('false; echo reached', { shell: '/usr/bin/bash' });
    expect(output).toContain('reached');
    output = '';
    // As another user too, with the step's umask.
    await run('umask; id -u', { shell: 'bash -e', uid: 1000, gid: 1000, workDir: '/tmp' });
    expect(output).toBe('0022\n1000\n');
  });

  it('refuses a malformed step before starting anything', async () => {
    await expectRejection(
      run('true', { env: { 'BAD NAME': 'x' } }),
      'build-step-unsupported',
      'environment name "BAD NAME"',
    );
    await expectRejection(run('true', { workDir: '/a/../b' }), 'build-step-unsupported', 'work-dir "/a/../b"');
    await expectRejection(run('true', { uid: -1 }), 'build-step-unsupported', 'uid -1');
  });
});

/** Pids of host processes whose command line contains `text` (NUL between arguments). */
function processesWith(text: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(text);
      } catch {
        return false;
      }
    });
}

describe.each(SANDBOX_KINDS)('runSandboxStep (%s) on a root with traps', (kind) => {
  it('refuses a /proc mount point that is a symlink out of the root', async () => {
    const dir = await makeBuildDir();
    try {
      const root = hostRootFs(['/usr/bin/dash']);
      root.put(
        {
          path: 'proc',
          type: 'symlink',
          mode: 0o777,
          uid: 0,
          gid: 0,
          mtime: 0,
          linkTarget: '/etc',
          data: Buffer.alloc(0),
        },
        'test',
      );
      await materializeRootFs(root, dir.root);
      await expectRejection(
        runSandboxStep(dir.root, { name: 'x', script: 'true', env: {} }, { kind }),
        'build-unsafe-path',
        '"/proc" is a symlink',
      );
    } finally {
      rmSync(dir.dir, { recursive: true, force: true });
    }
  });
});
