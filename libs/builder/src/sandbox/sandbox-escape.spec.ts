// Real escape attempts from inside a build step, in both sandboxes: every one must fail, and the
// host must show it (the secret not read, the host file unchanged), not only a non-zero exit.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBuildDir, removeBuildDir, type BuildDir } from './build-dir';
import { HOST_PROGRAMS, hostRootFs, requireRoot } from './host-root.fixture';
import { materializeRootFs } from './materialize';
import { runSandboxStep, type SandboxKind } from './sandbox';
import { CHROOT_SYSTEM_DIRS } from './sandbox-command';

/** Every sandbox kind, always: a missing tool fails these tests (CI runs as root with bubblewrap). */
const KINDS: SandboxKind[] = ['bwrap', 'chroot'];
/** The root of every step: the host's shell tools, perl (the syscalls a shell cannot make) and mount. */
const template = hostRootFs([...HOST_PROGRAMS, '/usr/bin/perl', '/usr/bin/mount']);

/**
 * The classic chroot break-out with a saved directory descriptor: keep a handle on `/`, chroot
 * into a subdirectory, fchdir back to the handle, climb `..` and chroot there; then read the
 * secret, write the host file and list the top level. `$ARGV[0]` key, `$ARGV[1]` target.
 */
const BREAK_OUT = `
opendir(my $saved, "/") or die "opendir: $!";
mkdir "/pf-cell";
if (chroot("/pf-cell")) { print "CHROOT-OK\\n" } else { print "CHROOT-DENIED: $!\\n" }
chdir($saved) or print "FCHDIR-FAILED: $!\\n";
chdir("..") for 1 .. 64;
if (chroot(".")) { print "CHROOT-UP-OK\\n" } else { print "CHROOT-UP-DENIED: $!\\n" }
if (open(my $k, "<", $ARGV[0])) { local $/; print "SECRET:", <$k>, "\\n" } else { print "NO-SECRET: $!\\n" }
if (open(my $t, ">", $ARGV[1])) { print $t "escaped\\n"; close $t; print "WROTE\\n" } else { print "NO-WRITE: $!\\n" }
opendir(my $top, "/") or die "opendir /: $!";
print "TOP:", join(",", sort grep { !/^\\./ } readdir($top)), "\\n";
`;

/** unshare(2)'s number on this host's architecture (perl's `syscall` needs it; the test root has no perl modules). */
const UNSHARE_SYSCALL: Record<string, number> = { x64: 272, arm64: 97 };
/** CLONE_NEWUSER | CLONE_NEWNS: a user namespace of its own (where it has every capability) and a mount namespace owned by it. */
const NEW_USER_AND_MOUNT_NS = 0x10000000 | 0x00020000;
/** {@link BREAK_OUT} after making its own user and mount namespaces, where chroot and mount are allowed: `$ARGV[2]` unshare's number. */
const BREAK_OUT_IN_OWN_USERNS = `
if (syscall($ARGV[2] + 0, ${NEW_USER_AND_MOUNT_NS}) == 0) { print "USERNS-OK\n" } else { print "USERNS-DENIED: $!\n" }
${BREAK_OUT}`;

describe.each(KINDS)('a build step cannot escape the %s sandbox', (kind) => {
  let dir: BuildDir;
  let host: string;
  let keyPath: string;
  let targetPath: string;
  let secret: string;
  let hostOnly: string[];
  let output: string;

  beforeAll(async () => {
    requireRoot(`the ${kind} escape tests`);
    dir = await makeBuildDir();
    await materializeRootFs(template, dir.root);
    // The names at the host's top level a step's root does not have (it has its files and the sandbox's mount points): what an escape would see.
    const inRoot = new Set([...readdirSync(dir.root), 'dev', 'proc', 'tmp']);
    hostOnly = readdirSync('/').filter((n) => !inRoot.has(n));
    expect(hostOnly.length).toBeGreaterThan(0);
  });
  afterAll(async () => {
    if (dir !== undefined) await removeBuildDir(dir.dir);
  });
  beforeEach(() => {
    host = mkdtempSync(join(tmpdir(), 'pf-escape-'));
    mkdirSync(join(host, 'signing'), { mode: 0o700 });
    keyPath = join(host, 'signing', 'cosign.key');
    secret = `pf-secret-${randomBytes(16).toString('hex')}`;
    writeFileSync(keyPath, `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`, { mode: 0o600 });
    targetPath = join(host, 'target.txt');
    writeFileSync(targetPath, 'original\n', { mode: 0o666 });
    // The signer's own setting, as the factory would have it: a step must see neither it nor the file.
    process.env['PF_SIGNING_KEY'] = `file://${keyPath}`;
    output = '';
  });
  afterEach(() => {
    delete process.env['PF_SIGNING_KEY'];
    rmSync(host, { recursive: true, force: true });
  });

  /** Runs `script` as root (or `uid`), expecting the step itself to finish (every attempt is allowed to fail inside). */
  const attempt = async (script: string, uid = 0) => {
    await runSandboxStep(
      dir.root,
      { name: `escape attempt (${kind})`, script: `${script}\necho DONE`, env: {}, uid, gid: uid },
      { kind, onOutput: (c) => (output += c) },
    );
    expect(output).toContain('DONE');
  };
  /** The host is as it was: the secret never came out, the host file holds what it held, nothing new beside it. */
  const hostUntouched = () => {
    expect(output).not.toContain(secret);
    expect(readFileSync(targetPath, 'utf8')).toBe('original\n');
    expect(readdirSync(host).sort()).toEqual(['signing', 'target.txt']);
    expect(readFileSync(keyPath, 'utf8')).toContain(secret);
  };
  /** The top-level names a listing printed after `prefix` has none of the host's own. */
  const seesNoHostDirectory = (prefix: string) => {
    const line = output.split('\n').find((l) => l.startsWith(prefix));
    expect(line).toBeDefined();
    const names = (line ?? '').slice(prefix.length).split(',');
    expect(names).toEqual(expect.arrayContaining(['bin', 'usr']));
    for (const name of hostOnly) expect(names).not.toContain(name);
  };

  it.each([0, 1000])('cannot chroot out through a saved directory descriptor (uid %i)', async (uid) => {
    await attempt(`perl -e '${BREAK_OUT}' '${keyPath}' '${targetPath}'`, uid);
    expect(output).toMatch(/CHROOT-DENIED: Operation not permitted/);
    expect(output).not.toContain('CHROOT-OK');
    expect(output).not.toContain('CHROOT-UP-OK');
    expect(output).toContain('NO-SECRET');
    expect(output).not.toContain('WROTE');
    seesNoHostDirectory('TOP:');
    hostUntouched();
  });

  it.each([0, 1000])(
    'finds nothing of the host from a user namespace of its own, where chroot is allowed (uid %i)',
    async (uid) => {
      const nr = UNSHARE_SYSCALL[process.arch];
      if (nr === undefined) throw new Error(`no unshare(2) number for ${process.arch}: add it to UNSHARE_SYSCALL`);
      await attempt(`perl -e '${BREAK_OUT_IN_OWN_USERNS}' '${keyPath}' '${targetPath}' ${nr}`, uid);
      // Whether the step may make one (bubblewrap forbids it to other users; the kernel may too), it gets no further.
      expect(output).toMatch(/USERNS-(OK|DENIED)/);
      expect(output).toContain('NO-SECRET');
      expect(output).not.toContain('WROTE');
      seesNoHostDirectory('TOP:');
      hostUntouched();
    },
  );

  it('leaves nothing of the host’s mounts in the step’s mount namespace', async () => {
    const duration = `300.${process.pid}${randomBytes(2).readUInt16BE(0)}`;
    const controller = new AbortController();
    const step = runSandboxStep(
      dir.root,
      { name: 'mount tree', script: `sleep ${duration}`, env: {} },
      { kind, signal: controller.signal },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    try {
      const pid = await waitForProcess(`sleep\0${duration}`);
      // Every process in the step's mount namespace, the sandbox's own among them (whose root is the namespace's root), shows the mounts below its root.
      const ns = readlinkSync(`/proc/${pid}/ns/mnt`);
      const tables = processes()
        .filter((p) => readlinkOr(`/proc/${p}/ns/mnt`) === ns)
        .map((p) => readFileSync(`/proc/${p}/mountinfo`, 'utf8'));
      // Under the chroot fallback the step itself sees only what is below its chroot; the sandbox's own process sees the whole tree.
      const whole = kind === 'chroot' ? tables.filter((t) => t.includes(' - tmpfs pf-jail ')) : tables;
      expect(whole.length).toBeGreaterThan(0);
      const mounts = whole
        .join('')
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .map((f) => ({ point: f[4] ?? '', options: f[5] ?? '', type: f[f.indexOf('-') + 1] ?? '' }));
      expect(mounts.length).toBeGreaterThan(3);
      // The chroot fallback's tree: an empty tmpfs, the host's system directories read-only (its tools), the build root at /r.
      const step = (point: string) =>
        kind === 'chroot' ? (point === '/r' ? '/' : point.startsWith('/r/') ? point.slice(2) : undefined) : point;
      const system = new Set<string>(CHROOT_SYSTEM_DIRS.map((d) => `/${d}`));
      for (const m of mounts) {
        const inStep = step(m.point);
        if (inStep === undefined) {
          if (m.point === '/') expect([m.point, m.type]).toEqual(['/', 'tmpfs']);
          else expect([m.point, system.has(m.point), m.options.split(',')[0]]).toEqual([m.point, true, 'ro']);
        } else {
          expect([m.point, inStep === '/' || /^\/(proc|dev|tmp)(\/|$)/.test(inStep)]).toEqual([m.point, true]);
        }
      }
    } finally {
      controller.abort();
      await step;
    }
  });

  it.each([0, 1000])('cannot mount anything (uid %i)', async (uid) => {
    const before = readFileSync('/proc/self/mountinfo', 'utf8');
    await attempt(
      [
        'mkdir -p /tmp/pf-mnt /tmp/pf-bind',
        'mount -t tmpfs pf-escape /tmp/pf-mnt && echo MOUNTED-TMPFS || echo TMPFS-DENIED',
        'mount --bind / /tmp/pf-bind && echo MOUNTED-BIND || echo BIND-DENIED',
        'mount -t proc proc /tmp/pf-bind && echo MOUNTED-PROC || echo PROC-DENIED',
        'cat /proc/self/mountinfo',
      ].join('\n'),
      uid,
    );
    expect(output).toContain('TMPFS-DENIED');
    expect(output).toContain('BIND-DENIED');
    expect(output).toContain('PROC-DENIED');
    expect(output).not.toMatch(/MOUNTED-/);
    expect(output).not.toContain('pf-escape');
    expect(output).not.toMatch(/ \/tmp\/pf-(mnt|bind) /);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(before);
    hostUntouched();
  });

  it('cannot reach the host through /proc/<pid>/root or cwd', async () => {
    await attempt(
      [
        `cat '/proc/1/root${keyPath}' || echo NO-PROC1-SECRET`,
        `for p in /proc/[0-9]*; do cat "$p/root${keyPath}" "$p/cwd${keyPath}" 2>/dev/null; echo escaped > "$p/root${targetPath}" 2>/dev/null; done`,
        'set -- $(ls /proc/1/root/); IFS=,; echo "TOP1:$*"',
      ].join('\n'),
    );
    expect(output).toContain('NO-PROC1-SECRET');
    seesNoHostDirectory('TOP1:');
    hostUntouched();
  });

  it('cannot read the signing key: neither its setting nor its file, nor through /proc', async () => {
    await attempt(
      [
        'echo "[key=$PF_SIGNING_KEY]"',
        `cat '${keyPath}' || echo NO-KEY-FILE`,
        'cat /proc/1/environ /proc/self/environ; echo',
      ].join('\n'),
    );
    expect(output).toContain('[key=]');
    expect(output).toContain('NO-KEY-FILE');
    expect(output).not.toContain(`file://${keyPath}`);
    expect(output).not.toContain('PF_SIGNING_KEY=');
    hostUntouched();
  });

  it.each([0, 1000])('cannot write outside the root (uid %i)', async (uid) => {
    await attempt(
      [
        `echo escaped > '${targetPath}' || echo NO-DIRECT-WRITE`,
        `echo escaped > '/../../../..${targetPath}' || echo NO-DOTDOT-WRITE`,
        `echo escaped > '${join(host, 'new-file')}' || echo NO-NEW-FILE`,
        `ln -s '${targetPath}' /tmp/pf-link && echo escaped > /tmp/pf-link || echo NO-LINK-WRITE`,
      ].join('\n'),
      uid,
    );
    expect(output).toContain('NO-DIRECT-WRITE');
    expect(output).toContain('NO-DOTDOT-WRITE');
    expect(output).toContain('NO-NEW-FILE');
    expect(output).toContain('NO-LINK-WRITE');
    hostUntouched();
  });
});

/** The pid of the host process whose command line contains `text` (NUL between arguments), waiting for it to start (bounded). */
async function waitForProcess(text: string): Promise<string> {
  for (let i = 0; i < 400; i++) {
    for (const p of processes()) {
      try {
        if (readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(text)) return p;
      } catch {
        // gone meanwhile
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no process with "${text.replace(/\0/g, ' ')}" started`);
}

/** The pids in the host's /proc. */
function processes(): string[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n));
}

/** Where a symlink of /proc leads, or undefined (the process is gone, or not ours to see). */
function readlinkOr(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
