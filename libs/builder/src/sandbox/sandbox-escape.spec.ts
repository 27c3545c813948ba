// Real escape attempts from inside a build step, in both sandboxes: every one must fail, and the
// host must show it (the secret not read, the host file unchanged), not only a non-zero exit.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBuildDir, removeBuildDir, type BuildDir } from './build-dir';
import { HOST_PROGRAMS, hostRootFs, requireRoot } from './host-root.test';
import { materializeRootFs } from './materialize';
import { runSandboxStep, type SandboxKind } from './sandbox';

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
    await runSandboxStep(dir.root, { name: `escape attempt (${kind})`, script: `${script}\necho DONE`, env: {}, uid, gid: uid }, { kind, onOutput: (c) => (output += c) });
    expect(output).toContain('DONE');
  };
  /** The host is as it was: the secret never came out, the host file holds what it held, nothing new beside it. */
  const hostUntouched = () => {
    expect(output).not.toContain(secret);
    expect(readFileSync(targetPath, 'utf8')).toBe('original\n');
    expect(readdirSync(host).sort()).toEqual(['signing', 'target.txt']);
    expect(readFileSync(keyPath, 'utf8')).toContain(secret);
  };
  /** The top-level names a listing printed after `TOP:` has none of the host's own. */
  const seesOnlyTheRoot = (prefix: string) => {
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
    seesOnlyTheRoot('TOP:');
    hostUntouched();
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
    seesOnlyTheRoot('TOP1:');
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
